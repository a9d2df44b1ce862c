/** JSON schema for the config file, checked (by a validator compiled from it ahead of time) on every read and write. */

const validation = {
  type: "object",
  required: ["at", "ok", "method"],
  properties: {
    at: { type: "string" },
    ok: { type: "boolean" },
    method: { enum: ["test-mail", "login"] },
    to: { type: "string" },
    category: { type: "string" },
    message: { type: "string" },
    transient: { type: "boolean" },
    remedy: { type: "object" },
    rowId: { type: "string" },
  },
};

// How the sender signs: a display name for From, a signature for the templates.
const identity = {
  name: { type: "string", minLength: 1, maxLength: 200 },
  signature: {
    type: "object",
    required: ["text"],
    properties: { text: { type: "string" }, html: { type: "string" } },
    additionalProperties: false,
  },
};

const common = {
  ...identity,
  email: { type: "string", minLength: 3 },
  tokenRefreshedAt: { type: "string" },
  createdAt: { type: "string" },
  updatedAt: { type: "string" },
  lastUsedAt: { type: "string" },
  caFiles: { type: "array", items: { type: "string" } },
  validation,
};

export const profileSchema = {
  type: "object",
  required: ["type", "email", "createdAt", "updatedAt"],
  oneOf: [
    {
      properties: {
        ...common,
        type: { const: "webmail" },
        host: { type: "string", minLength: 1 },
        port: { type: "integer", minimum: 1, maximum: 65535 },
        security: { enum: ["starttls", "tls", "none"] },
        username: { type: "string" },
        servername: { type: "string", minLength: 1 },
        auth: { enum: ["password", "oauth2-microsoft"] },
        clientId: { type: "string" },
        tenant: { type: "string" },
        connectedAt: { type: "string" },
        transport: { enum: ["smtp", "graph"] },
      },
      required: ["host", "port", "security"],
      additionalProperties: false,
    },
    {
      properties: {
        ...common,
        type: { const: "exchange" },
        ewsUrl: { type: "string" },
        domain: { type: "string" },
        username: { type: "string" },
        loginForm: { enum: ["domain", "upn"] },
      },
      required: ["ewsUrl", "domain", "username"],
      additionalProperties: false,
    },
    {
      properties: {
        ...common,
        type: { const: "gmail" },
        clientId: { type: "string" },
        connectedAt: { type: "string" },
      },
      required: ["clientId"],
      additionalProperties: false,
    },
  ],
} as const;

export const configSchema = {
  version: { type: "integer", const: 1 },
  company: profileSchema,
  users: { type: "object", additionalProperties: profileSchema },
  settings: {
    type: "object",
    properties: {
      "ship-confirmation-sender": { enum: ["company", "user"] },
      "default-user": { type: "string" },
      "connect-timeout-seconds": { type: "number", exclusiveMinimum: 0 },
      "attachment-limit-mb": { type: "number", exclusiveMinimum: 0 },
      "templates-dir": { type: "string" },
      "google-client-id": { type: "string" },
      "microsoft-client-id": { type: "string" },
      "microsoft-tenant": { type: "string" },
      "secret-store": { enum: ["file", "keyring"] },
      "queue-max-attempts": { type: "integer", minimum: 1 },
      "queue-retry-seconds": { type: "number", exclusiveMinimum: 0 },
      "queue-url": { type: "string" },
      "queue-resend-uncertain": { enum: ["yes", "no"] },
    },
    additionalProperties: true,
  },
} as const;
