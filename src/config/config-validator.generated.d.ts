/** The config file's schema, compiled ahead of time (scripts/gen-config-validator.mjs). */
export interface ValidatorError {
  instancePath: string;
  message?: string;
}
declare const validate: ((data: unknown) => boolean) & { errors?: ValidatorError[] | null };
export default validate;
export { validate };
