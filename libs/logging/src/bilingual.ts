/** A sentence a person reads, in both languages of the product. */
export interface Bilingual {
  readonly en: string;
  readonly zh: string;
}

export function bilingual(en: string, zh: string): Bilingual {
  return { en, zh };
}
