// Types for scripts/patch-ssh2.mjs, which stays plain JavaScript so npm's postinstall needs no compiler.
export declare const PATCHED_VERSION: string;
export declare const PATCH_MARKER: string;
/** Patches the ssh2 under `ssh2Dir`; throws one line on another version or a missing anchor. */
export declare function patchSsh2(ssh2Dir: string): 'patched' | 'already patched';
