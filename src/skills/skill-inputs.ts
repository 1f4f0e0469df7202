/** Input fields several skills share. */
import { isoDate } from '../validation/input-values.ts';

export const asOfInput = isoDate;
