/**
 * What SMTP status codes mean on their own, so even text mailcfg does not recognise gets
 * an honest reading: enhanced codes (RFC 3463, with the detail codes of RFC 4954, 5248,
 * 7372 and 7505 from the IANA registry) and the basic three-digit replies (RFC 5321, 4954).
 */

const CLASSES: Record<string, string> = {
  "2": "success",
  "4": "temporary failure (retrying later may work)",
  "5": "permanent failure",
};

const SUBJECTS: Record<string, string> = {
  "0": "other or undefined status",
  "1": "addressing status",
  "2": "mailbox status",
  "3": "mail system status",
  "4": "network and routing status",
  "5": "mail delivery protocol status",
  "6": "message content or media status",
  "7": "security or policy status",
};

/** subject.detail -> meaning, from the IANA "Enumerated Status Codes" registry. */
const DETAILS: Record<string, string> = {
  "0.0": "other undefined status",
  "1.0": "other address status",
  "1.1": "bad destination mailbox address",
  "1.2": "bad destination system address",
  "1.3": "bad destination mailbox address syntax",
  "1.4": "destination mailbox address ambiguous",
  "1.5": "destination address valid",
  "1.6": "destination mailbox has moved",
  "1.7": "bad sender's mailbox address syntax",
  "1.8": "bad sender's system address",
  "1.10": "recipient address has null MX",
  "2.0": "other or undefined mailbox status",
  "2.1": "mailbox disabled, not accepting messages",
  "2.2": "mailbox full",
  "2.3": "message length exceeds administrative limit",
  "2.4": "mailing list expansion problem",
  "3.0": "other or undefined mail system status",
  "3.1": "mail system full",
  "3.2": "system not accepting network messages",
  "3.3": "system not capable of selected features",
  "3.4": "message too big for system",
  "3.5": "system incorrectly configured",
  "4.0": "other or undefined network or routing status",
  "4.1": "no answer from host",
  "4.2": "bad connection",
  "4.3": "directory server failure",
  "4.4": "unable to route",
  "4.5": "mail system congestion",
  "4.6": "routing loop detected",
  "4.7": "delivery time expired",
  "5.0": "other or undefined protocol status",
  "5.1": "invalid command",
  "5.2": "syntax error",
  "5.3": "too many recipients",
  "5.4": "invalid command arguments",
  "5.5": "wrong protocol version",
  "5.6": "authentication exchange line is too long",
  "6.0": "other or undefined media error",
  "6.1": "media not supported",
  "6.2": "conversion required and prohibited",
  "6.3": "conversion required but not supported",
  "6.4": "conversion with loss performed",
  "6.5": "conversion failed",
  "7.0": "other or undefined security status",
  "7.1": "delivery not authorized, message refused",
  "7.2": "mailing list expansion prohibited",
  "7.3": "security conversion required but not possible",
  "7.4": "security features not supported",
  "7.5": "cryptographic failure",
  "7.6": "cryptographic algorithm not supported",
  "7.7": "message integrity failure",
  "7.8": "authentication credentials invalid",
  "7.9": "authentication mechanism is too weak",
  "7.10": "encryption needed",
  "7.11": "encryption required for requested authentication mechanism",
  "7.12": "a password transition is needed",
  "7.13": "user account disabled",
  "7.14": "trust relationship required",
  "7.20": "no passing DKIM signature found",
  "7.21": "no acceptable DKIM signature found",
  "7.22": "no valid author-matched DKIM signature found",
  "7.23": "SPF validation failed",
  "7.24": "SPF validation error",
  "7.25": "reverse DNS validation failed",
  "7.26": "multiple authentication checks failed",
  "7.27": "sender address has null MX",
};

/** Basic reply codes (RFC 5321; 530, 534, 535, 538 from RFC 4954). */
const BASIC: Record<string, string> = {
  "220": "service ready",
  "221": "closing the connection",
  "235": "authentication succeeded",
  "250": "requested action completed",
  "334": "authentication challenge (continue)",
  "354": "start mail input",
  "421": "service not available, closing the connection",
  "432": "a password transition is needed",
  "450": "mailbox unavailable (busy or blocked), try again later",
  "451": "local error in processing, try again later",
  "452": "insufficient system storage or too many recipients",
  "454": "TLS or authentication temporarily unavailable",
  "455": "server unable to accommodate parameters",
  "500": "syntax error, command unrecognised",
  "501": "syntax error in parameters or arguments",
  "502": "command not implemented",
  "503": "bad sequence of commands",
  "504": "command parameter not implemented (e.g. unknown AUTH mechanism)",
  "521": "server does not accept mail",
  "530": "authentication required",
  "534": "authentication mechanism is too weak",
  "535": "authentication credentials invalid",
  "538": "encryption required for requested authentication mechanism",
  "550": "mailbox unavailable or action refused (policy)",
  "551": "user not local",
  "552": "exceeded storage allocation (message too large or mailbox full)",
  "553": "mailbox name not allowed",
  "554": "transaction failed (or no SMTP service)",
  "555": "MAIL FROM/RCPT TO parameters not recognised",
};

export interface CodeMeaning {
  code: string;
  meaning: string;
}

/** The meaning of one status code, or undefined when it is not an SMTP status code. */
export function describeCode(code: string): string | undefined {
  const enhanced = /^([245])\.(\d{1,3})\.(\d{1,3})$/.exec(code);
  if (enhanced) {
    const [, cls = "", subject = "", detail = ""] = enhanced;
    const classText = CLASSES[cls];
    const subjectText = SUBJECTS[subject];
    if (!classText || !subjectText) return undefined;
    const detailText = DETAILS[`${subject}.${detail}`];
    return detailText
      ? `${classText}; ${subjectText}: ${detailText}`
      : `${classText}; ${subjectText} (detail ${detail} is not a registered code: the provider's own)`;
  }
  return BASIC[code];
}

export function describeCodes(codes: readonly string[]): CodeMeaning[] {
  const out: CodeMeaning[] = [];
  for (const code of codes) {
    const meaning = describeCode(code);
    if (meaning) out.push({ code, meaning });
  }
  return out;
}
