// What other packages use from the agent: the certificate generator and fingerprint (the hub's
// tests make agent-like TLS servers with them), the settings reader and the Agent itself. The
// `hpchub-agent` executable is main.ts, bundled to dist/hpchub-agent.js.
export { Agent } from './agent.js';
export {
  type CertificateOptions,
  fingerprintOf,
  type GeneratedCertificate,
  generateCertificate,
} from './certificate.js';
export { DirectoryTree, PickerError, pickerRootPath } from './picker/directories.js';
export { fillPlaceholders, type PlaceholderValues } from './placeholders.js';
export { secretDigest, secretMatches } from './secrets.js';
export { type AgentSettings, normalizeFingerprint, readSettings, SettingsError } from './settings.js';
