// The part of ua-parser-js 1.x (MIT; 2.x is AGPL) that src/domain/device.ts uses: it ships no types.
declare module "ua-parser-js" {
  export class UAParser {
    constructor(userAgent?: string);
    getBrowser(): { name?: string; version?: string };
    getOS(): { name?: string; version?: string };
  }
}
