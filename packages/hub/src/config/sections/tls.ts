// The `tls` section: the certificate and key with which the hub serves HTTPS itself.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const TlsSection = section(
  'HTTPS. Without a certificate the hub speaks plain HTTP (put it behind a TLS proxy).',
  {
    cert: Type.String({ default: '', description: 'Path of the PEM certificate chain.' }),
    key: Type.String({ default: '', description: 'Path of the PEM private key.' }),
  },
);
