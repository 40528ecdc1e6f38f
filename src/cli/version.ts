import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

export const VERSION = pkg.version;
/** The dashboard's build (web/dist, made by web/build.js from web/src), served at `/`. */
export const WEB_DIR = `${root}web/dist`;
export const REPO_ROOT = root;
