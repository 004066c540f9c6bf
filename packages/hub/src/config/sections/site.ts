// The `site` section: the branding of the pages (name, logo, accent colour, footer).
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const SiteSection = section(
  'How the pages look: the site name, a logo, the accent colour and a footer, without editing templates.',
  {
    name: Type.String({
      minLength: 1,
      maxLength: 60,
      default: 'hpchub',
      description: 'The name shown in the page header and in every page title, e.g. `Euler JupyterHub`.',
    }),
    logo_file: Type.String({
      default: '',
      pattern: '^(|.*\\.(png|svg|jpg|jpeg|webp|gif|PNG|SVG|JPG|JPEG|WEBP|GIF))$',
      errorMessage: 'empty, or the path of a .png, .svg, .jpg, .webp or .gif file',
      description:
        'An image shown before the site name (at most 1 MiB), read once at start and served by the hub ' +
        'itself (the pages load nothing from other sites). Empty: no logo.',
    }),
    accent_colour: Type.String({
      default: '#1f5fa8',
      pattern: '^#[0-9a-fA-F]{6}$',
      errorMessage: 'a colour written as #rrggbb, e.g. #1f5fa8',
      description:
        'The colour of buttons, links and focus rings. Button text becomes white or black, whichever ' +
        'reads better, and links use a shade darkened until it is readable (WCAG AA).',
    }),
    footer: Type.String({
      default: '',
      maxLength: 1000,
      description:
        'One line of Markdown shown at the bottom of every page, e.g. `Help: [docs](https://…) · ' +
        '[support](mailto:…)`. Only emphasis, `code` and http(s)/mailto links are kept; HTML is shown as text.',
    }),
  },
);
