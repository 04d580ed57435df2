// Compile-time only: the API's template schema and the media layer's LadderTemplate are one type.
// A field added to one and not the other fails `tsc` here.
import type { LadderTemplate } from '../media/ladder-template.js';
import type { LadderTemplateBody } from './schemas/ladder-template.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const templateParity: [Same<LadderTemplate, LadderTemplateBody>] = [true];
