// The site's look, from the `site` configuration section: its name, logo, accent colour and
// footer, applied to every page without editing a template. The colour reaches the pages as a
// small generated stylesheet (the Content-Security-Policy allows no inline styles); the logo is
// read once from its file and served like the other static assets.
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { HubConfig } from '../config/index.js';
import { ASSET_TYPES, type Asset, assetUrl, makeAsset } from './assets.js';
import type { SafeHtml } from './html.js';
import { renderInlineMarkdown } from './markdown.js';

export interface Site {
  name: string;
  /** The footer line, rendered from the configured Markdown. */
  footer: SafeHtml;
  /** URL of the logo shown before the name, if one is configured. */
  logoUrl: string | null;
  /** URL of the stylesheet carrying the site's colours. */
  stylesheetUrl: string;
  /** The generated files (`site.css`, the logo), served with the static assets. */
  assets: Record<string, Asset>;
}

const MAX_LOGO_BYTES = 1024 * 1024;

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

const toHex = (rgb: Rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

/** WCAG relative luminance. */
function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(parseHex(a)), luminance(parseHex(b))].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/** The page background; links in the accent colour must be readable on it (WCAG AA, 4.5:1). */
const PAGE_BACKGROUND = '#f5f6f8';

/**
 * The colours derived from the accent: button text (white or near-black, whichever reads
 * better) and a text shade for links, darkened until it has 4.5:1 against the page, so that
 * any configured colour stays accessible.
 */
export function accentPalette(accent: string): { accent: string; contrastText: string; text: string } {
  const contrastText = contrast(accent, '#ffffff') >= contrast(accent, '#111111') ? '#ffffff' : '#111111';
  let rgb = parseHex(accent);
  for (let i = 0; i < 40 && contrast(toHex(rgb), PAGE_BACKGROUND) < 4.5; i++) {
    rgb = rgb.map((c) => c * 0.92) as Rgb;
  }
  return { accent: accent.toLowerCase(), contrastText, text: toHex(rgb) };
}

function siteStylesheet(accent: string): Buffer {
  const p = accentPalette(accent);
  return Buffer.from(
    `/* Generated from the site configuration. */\n:root {\n  --accent: ${p.accent};\n  --accent-contrast: ${p.contrastText};\n  --accent-text: ${p.text};\n}\n`,
  );
}

function readLogo(path: string): { name: string; asset: Asset } {
  const ext = extname(path).toLowerCase();
  const type = ASSET_TYPES[ext];
  if (!type?.startsWith('image/'))
    throw new Error(`site.logo_file ${path} is not a .png, .svg, .jpg, .webp or .gif file.`);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new Error(`Cannot read site.logo_file ${path}: ${(err as Error).message}`);
  }
  if (size > MAX_LOGO_BYTES) throw new Error(`site.logo_file ${path} is larger than 1 MiB.`);
  return { name: `logo${ext}`, asset: makeAsset(readFileSync(path), type) };
}

/** Builds the site's look from its configuration; throws with a clear message for a bad logo file. */
export function loadSite(config: HubConfig['site']): Site {
  const assets: Record<string, Asset> = {
    'site.css': makeAsset(siteStylesheet(config.accent_colour), ASSET_TYPES['.css'] as string),
  };
  let logoUrl: string | null = null;
  if (config.logo_file !== '') {
    const logo = readLogo(config.logo_file);
    assets[logo.name] = logo.asset;
    logoUrl = assetUrl(logo.name, assets);
  }
  return {
    name: config.name,
    footer: renderInlineMarkdown(config.footer),
    logoUrl,
    stylesheetUrl: assetUrl('site.css', assets),
    assets,
  };
}
