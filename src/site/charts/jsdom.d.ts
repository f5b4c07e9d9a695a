// The slice of jsdom's API the build-time chart renderer uses (jsdom ships no type declarations).
declare module "jsdom" {
  export class JSDOM {
    constructor(html?: string);
    readonly window: { document: Document };
  }
}
