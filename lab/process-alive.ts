/**
 * Whether a process with this pid exists: signal 0 runs the kill(2) permission and existence checks without
 * sending anything. EPERM means it exists under another user; ESRCH that it is gone.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
