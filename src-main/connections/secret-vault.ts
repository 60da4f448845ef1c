/** The part of Electron's `safeStorage` the vault uses (handed in by the entry; tests pass a stand-in). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only: `basic_text`, `gnome_libsecret`, `kwallet5`, ..., or `unknown`. */
  getSelectedStorageBackend?: () => string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** A secret at rest: the ciphertext and the backend that made it. */
export interface SealedSecret {
  backend: string;
  ciphertext: string;
}

/** Backends that do not protect anything: a hard-coded key (`basic_text`) or an unknown one. */
const WEAK_BACKENDS = new Set(['basic_text', 'unknown']);

/**
 * Keeps connection secrets. At rest only when the OS encrypts them (Keychain, DPAPI, a Linux
 * keyring); with no encryption, or Linux's `basic_text` / `unknown` backend, a secret is kept in
 * memory for this run only and the operator is told so. Never plaintext on disk. A secret sealed
 * under another backend than the current one is unreadable (not decrypted with the wrong key).
 */
export class SecretVault {
  readonly #storage: SafeStorageLike | null;
  readonly #platform: NodeJS.Platform;
  readonly #memory = new Map<string, string>();

  constructor(storage: SafeStorageLike | null, platform: NodeJS.Platform = process.platform) {
    this.#storage = storage;
    this.#platform = platform;
  }

  /** The backend secrets would be sealed with now. */
  backend(): string {
    if (!this.#storage) return 'none';
    if (this.#platform === 'darwin') return 'keychain';
    if (this.#platform === 'win32') return 'dpapi';
    try {
      return this.#storage.getSelectedStorageBackend?.() ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }

  /** Whether a secret can be kept on disk, with an explanation an operator can act on. */
  info(): { available: boolean; backend: string; explanation: string } {
    const backend = this.backend();
    if (!this.#storage || !this.#storage.isEncryptionAvailable()) {
      return { available: false, backend, explanation: 'The operating system offers no encryption here: secrets are kept in memory for this run only and must be entered again after a restart.' };
    }
    if (WEAK_BACKENDS.has(backend)) {
      return {
        available: false,
        backend,
        explanation: `No keyring is available (backend "${backend}" would use a hard-coded key): secrets are kept in memory for this run only. Install and unlock a keyring (GNOME Keyring, KWallet) to keep them encrypted.`,
      };
    }
    return { available: true, backend, explanation: `Secrets are encrypted at rest with the operating system (${backend}).` };
  }

  /** Keeps `secret` for `id`: sealed for disk when possible, otherwise in memory only. */
  keep(id: string, secret: string): { sealed: SealedSecret | null; kept: 'encrypted' | 'memory' } {
    this.#memory.set(id, secret);
    if (!this.info().available || !this.#storage) return { sealed: null, kept: 'memory' };
    return { sealed: { backend: this.backend(), ciphertext: this.#storage.encryptString(secret).toString('base64') }, kept: 'encrypted' };
  }

  /** The secret for `id`: from this run's memory, else unsealed; null when none or unreadable. */
  read(id: string, sealed: SealedSecret | undefined): string | null {
    const remembered = this.#memory.get(id);
    if (remembered !== undefined) return remembered;
    if (!sealed || !this.#storage || !this.info().available) return null;
    if (sealed.backend !== this.backend()) return null;
    try {
      const secret = this.#storage.decryptString(Buffer.from(sealed.ciphertext, 'base64'));
      this.#memory.set(id, secret);
      return secret;
    } catch {
      return null;
    }
  }

  /** True when a secret for `id` can be read now (in memory, or sealed under the current backend). */
  has(id: string, sealed: SealedSecret | undefined): boolean {
    return this.#memory.has(id) || (sealed !== undefined && this.info().available && sealed.backend === this.backend());
  }

  forget(id: string): void {
    this.#memory.delete(id);
  }
}
