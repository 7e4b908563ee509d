/** The one line a step puts in `errors` for a failure: the message, never a stack trace. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
