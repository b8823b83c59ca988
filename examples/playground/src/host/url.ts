// node:url for the Worker.
export const URL = globalThis.URL;
export function fileURLToPath(u: string | URL): string { return decodeURIComponent(new globalThis.URL(String(u)).pathname); }
export function pathToFileURL(p: string): URL { return new globalThis.URL('file://' + encodeURI(p)); }
export default { URL, fileURLToPath, pathToFileURL };
