/** A setting that is missing or wrong: the server stops with this message. */
export class ConfigError extends Error {}
