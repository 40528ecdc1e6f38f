import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

export const VERSION = pkg.version;
/** The dashboard's files, served at `/`. */
export const WEB_DIR = `${root}web/public`;
export const REPO_ROOT = root;
