// The pages' static files (stylesheet, progressive-enhancement scripts, app icons), read once
// from ui/static/ and served under /hub/static/<content hash>/<name>, so browsers cache them
// for a year and still fetch a new file the moment it changes.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';

export interface Asset {
  body: Buffer;
  type: string;
  /** Content hash: part of the URL, so assets can be cached forever and still change. */
  version: string;
}

export const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

export function makeAsset(body: Buffer, type: string): Asset {
  return { body, type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

/** Every file of ui/static (and its apps/ folder of icons), by its path there. */
function loadStaticDir(): Record<string, Asset> {
  // Assets live beside the sources; the build copies them next to the compiled files.
  const root = new URL('./static/', import.meta.url);
  const out: Record<string, Asset> = {};
  for (const dir of ['', 'apps/']) {
    for (const entry of readdirSync(new URL(dir, root), { withFileTypes: true })) {
      const type = ASSET_TYPES[extname(entry.name)];
      if (!entry.isFile() || !type) continue;
      out[`${dir}${entry.name}`] = makeAsset(readFileSync(new URL(`${dir}${entry.name}`, root)), type);
    }
  }
  return out;
}

export const ASSETS: Readonly<Record<string, Asset>> = loadStaticDir();

/** The versioned URL of a static file, e.g. `/hub/static/3f2a…/hub.css`. */
export function assetUrl(name: string, assets: Readonly<Record<string, Asset>> = ASSETS): string {
  const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
  if (!asset) throw new Error(`unknown asset ${name}`);
  return `/hub/static/${asset.version}/${name}`;
}

/** The icon of an app: a file of ui/static/apps/, or a data: image URL; null when it is neither. */
export function appIconUrl(icon: string): string | null {
  if (/^data:image\/(png|svg\+xml|jpeg|webp|gif)[;,]/.test(icon)) return icon;
  return Object.hasOwn(ASSETS, `apps/${icon}`) ? assetUrl(`apps/${icon}`) : null;
}
