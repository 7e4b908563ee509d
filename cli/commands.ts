// Each CLI command registers itself on import.
import './analyze.ts';
import './probe.ts';
import './check.ts';
import './lab.ts';
