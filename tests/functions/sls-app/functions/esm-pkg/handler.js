// An ES module in a .js file: its package.json says "type": "module".
import {basename} from 'node:path';
export async function handler(event) {
  return {style: 'esm-js', file: basename(import.meta.url)};
}
