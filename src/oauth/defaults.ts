/** How long a sign-in waits for the browser's answer; kept apart so commands can name it without loading the listener. */
export const DEFAULT_CONSENT_TIMEOUT_MS = 5 * 60_000;
