// Each CLI command registers itself on import.
