/** The pay page's words by language (one module each); the debtor's language first, the others to switch to. */
import type { Language } from '../../../../kernel/locale';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { nl } from './nl';
import type { PayMessages } from './types';

export type { PayMessages };

export const PAY_MESSAGES: Readonly<Record<Language, PayMessages>> = { en, fr, de, es, nl };
