/**
 * One EWS call's service and transport (see ews-client.ts for what the transport covers
 * for the library). Each call gets a session of its own: the record of the last HTTP
 * exchange and the watch on it belong to that call alone, so calls in flight at once
 * (queue run --concurrency) never read each other's answers or wait for each other's
 * failures.
 */
import type { Agent } from "node:https";
import type EwsLibrary from "ews-javascript-api";
import type { ExchangeService, XhrApi } from "ews-javascript-api";
import { EwsCallError, failureFacts, operationOf, soapErrorOf, type EwsFailureFacts, type Recorded, type Xhr } from "./ews-facts.js";

/** ews-javascript-api as loaded on first use. */
export type EwsModule = typeof EwsLibrary;

/** What the session needs to reach the endpoint; the password only for the Authorization header. */
export interface SessionTarget {
  url: string;
  login: string;
  password: string;
  timeoutMs: number;
  httpsAgent?: Agent;
  /** One line per HTTP exchange, secrets already masked. */
  log: (line: string) => void;
}

interface CallWatch {
  requestStarted(): void;
  answered(): void;
  failed(facts: EwsFailureFacts): void;
}

const LIBRARY_GRACE_MS = 10_000;

export class EwsSession {
  readonly service: ExchangeService;
  // Each call races the library against the transport's report of a failed exchange.
  private watch: CallWatch | undefined;
  private readonly recorded: Recorded = {};
  private readonly inner: XhrApi;
  private readonly log: (line: string) => void;

  constructor(ews: EwsModule, target: SessionTarget) {
    this.log = target.log;
    const recorded = this.recorded;
    this.inner = new ews.XhrApi({
      timeout: target.timeoutMs,
      transitional: { clarifyTimeoutError: true },
      ...(target.httpsAgent ? { httpsAgent: target.httpsAgent } : {}),
      // Called for every answer, whatever its status: keeps the body the library loses.
      transformResponse: [
        (data: unknown, _headers: unknown, status?: number) => {
          recorded.status = status;
          recorded.body = typeof data === "string" ? data : Buffer.isBuffer(data) ? data.toString("utf8") : undefined;
          return data;
        },
      ],
    });
    const inner = this.inner;
    const transport = {
      get apiName() {
        return `mailcfg/${inner.apiName}`;
      },
      xhr: (options: { url: string; data?: unknown }) => this.xhr(options),
      xhrStream(): Promise<never> {
        return Promise.reject(new Error("streaming requests are not used by mailcfg"));
      },
      disconnect() {
        inner.disconnect();
      },
    };
    this.service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
    this.service.Credentials = new ews.WebCredentials(target.login, target.password);
    this.service.Url = new ews.Uri(target.url);
    this.service.XHRApi = transport as never;
  }

  serverVersion(): string | undefined {
    const info = this.service.ServerInfo;
    return info ? `${info.MajorVersion}.${info.MinorVersion}.${info.MajorBuildNumber}.${info.MinorBuildNumber}` : undefined;
  }

  /** Runs one library call; turns any failure into an EwsCallError with facts. */
  async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      this.watch = {
        failed: (f) => reject(new EwsCallError(f)),
        requestStarted: () => clearTimeout(timer),
        // The transport's timeout covers waiting for the server; this covers the library
        // itself, should it never settle after an answer arrived.
        answered: () => {
          clearTimeout(timer);
          timer = setTimeout(
            () => reject(new EwsCallError({ operation, message: `the EWS client did not finish reading the server's answer within ${LIBRARY_GRACE_MS / 1000} s` })),
            LIBRARY_GRACE_MS,
          );
        },
      };
    });
    try {
      return await Promise.race([call(), failed]);
    } catch (err) {
      if (err instanceof EwsCallError) throw err;
      // A refusal inside a 200 answer (ResponseClass="Error"): read it from the answer itself.
      const soap = soapErrorOf(this.recorded.body);
      const e = err as { message?: string };
      throw new EwsCallError({
        operation: this.recorded.operation ?? operation,
        ...(this.recorded.status ? { httpStatus: this.recorded.status } : {}),
        ...soap,
        ...(soap.messageText ? {} : { message: typeof e?.message === "string" ? e.message : String(err) }),
      });
    } finally {
      clearTimeout(timer);
      this.watch = undefined;
    }
  }

  /** The transport's one request: recorded as it happens, a failure reported to the watch. */
  private async xhr(options: { url: string; data?: unknown }): Promise<unknown> {
    const recorded = this.recorded;
    const operation = operationOf(options.data);
    recorded.operation = operation;
    recorded.status = undefined;
    recorded.body = undefined;
    this.log(`> POST ${options.url} (${operation})`);
    this.watch?.requestStarted();
    try {
      const response = (await this.inner.xhr(options as never)) as Xhr;
      this.log(`< HTTP ${response.status ?? "?"} (${operation})`);
      this.watch?.answered();
      return response;
    } catch (raw) {
      const facts = failureFacts(operation, raw as Xhr, recorded);
      this.log(`< ${facts.httpStatus ? `HTTP ${facts.httpStatus}` : facts.networkCode ?? "error"} (${operation})${facts.responseCode ? ` ${facts.responseCode}` : ""}`);
      this.watch?.failed(facts);
      // The library's own handling of a failed exchange is unreliable (see ews-client.ts):
      // it is never told, and the caller gets the recorded facts instead.
      return new Promise(() => undefined);
    }
  }
}
