import { byId } from './dom.js';

const STORAGE_KEY = 'confluence.apiKey';

/**
 * The API key, asked for when the gateway first answers 401 (or refuses the socket) and kept in
 * this tab's session storage. Everything that meets a 401 at the same time waits on the one
 * question; once the person cancels, nothing asks again until the page is reloaded.
 */
export class ApiKeys {
  #asking: Promise<string | null> | null = null;
  /** Cancelled once: not asked again in this page (a reload asks again). */
  #declined = false;

  constructor(private readonly storage: Storage) {}

  current(): string | null {
    return this.storage.getItem(STORAGE_KEY);
  }

  /**
   * A key to retry with: `refused` is the key the gateway just refused (null: none was sent). When
   * another caller already got a newer key, that one is answered without asking again. Null when
   * the person cancels.
   */
  async obtain(refused: string | null, reason: string): Promise<string | null> {
    const known = this.current();
    if (known !== null && known !== refused) return known;
    if (this.#declined) return null;
    this.#asking ??= this.#ask(
      refused === null
        ? `This gateway asks for an API key (${reason}).`
        : 'The key was refused. Check it and try again.',
    ).finally(() => {
      this.#asking = null;
    });
    return this.#asking;
  }

  #ask(reason: string): Promise<string | null> {
    const dialog = byId('key-dialog', HTMLDialogElement);
    const form = byId('key-form', HTMLFormElement);
    const input = byId('key-input', HTMLInputElement);
    const cancel = byId('key-cancel', HTMLButtonElement);
    byId('key-reason', HTMLElement).textContent = reason;
    input.value = '';
    return new Promise((resolve) => {
      const finish = (key: string | null): void => {
        form.removeEventListener('submit', submit);
        cancel.removeEventListener('click', abandon);
        dialog.removeEventListener('cancel', abandon);
        if (dialog.open) dialog.close();
        if (key === null) this.#declined = true;
        else this.storage.setItem(STORAGE_KEY, key);
        resolve(key);
      };
      const submit = (event: SubmitEvent): void => {
        event.preventDefault();
        const key = input.value.trim();
        if (key !== '') finish(key);
      };
      const abandon = (event: Event): void => {
        event.preventDefault();
        finish(null);
      };
      form.addEventListener('submit', submit);
      cancel.addEventListener('click', abandon);
      dialog.addEventListener('cancel', abandon);
      dialog.showModal();
      input.focus();
    });
  }
}
