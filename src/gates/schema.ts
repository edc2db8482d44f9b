/**
 * The one place the gates configure zod. Their schemas use `zod/mini`, which
 * tree-shakes down to what they use (full `zod` cannot, and costs ~15 ms of cold
 * start), but which loads no error messages: without a locale every issue reads
 * "Invalid input". So this loads the English messages once, so that a bad
 * `UserParameters` still says e.g. "expected number, received string". Only the
 * `en` module: ~3 KiB bundled, ~0.1 ms at init (`z.locales.en` would pull in every
 * locale, ~260 KiB).
 *
 * The setting is global to zod (full `zod` sets the same on import). A locale the
 * application configured before loading the gates is kept.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

if (!z.config().localeError) z.config(en());
