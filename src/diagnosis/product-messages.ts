import type { Category } from "../errors.js";

/**
 * What the product itself shows for each failure (the help article's "Common Issues"),
 * word for word, so support staff can match what the customer saw.
 */
export const PRODUCT_MESSAGES: Partial<Record<Category, string>> = {
  auth:
    "Cannot complete the request. Cannot send a test mail. The SMTP server required a secure connection or the client was not authenticated. The server response was: 5.5.1 Authentication Required. Learn more at. Please try again.",
  server: "Cannot complete the request. Cannot send a test mail. Failure sending mail. Please try again",
  ssl: "Cannot complete the request. Cannot test mail. The SMTP server requires a secure connection or the client was not authenticated.",
  domain: 'If you are using Exchange Service type then the domain should be in the format of "company.com".',
};
