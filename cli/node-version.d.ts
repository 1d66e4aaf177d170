// Types of node-version.js (plain JavaScript, so an old Node can read it).
export declare const NEEDED: readonly [number, number];
export declare function tooOld(version: string, args?: readonly string[]): string | null;
