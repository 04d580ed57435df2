import { join } from 'node:path';
import { IMAGE_GCONV_DIR } from './encoder-image-manifest.js';

/** A path that exists on no host: variables set to it make the library look nowhere. */
export const NOWHERE = '/nonexistent';

/**
 * The whole environment of an encoder process: nothing inherited from the appliance,
 * and every variable through which a library of the image would load host code or
 * host configuration pinned to the image or to nowhere.
 */
export function encoderEnvironment(imageDir: string): Record<string, string> {
  return {
    LC_ALL: 'C',
    PATH: NOWHERE,
    HOME: NOWHERE,
    TMPDIR: NOWHERE,
    // glibc iconv modules (-sub_charenc): the image's own, never the host's.
    GCONV_PATH: join(imageDir, IMAGE_GCONV_DIR),
    // GPU / accelerator driver discovery.
    VK_DRIVER_FILES: NOWHERE,
    VK_ICD_FILENAMES: NOWHERE,
    VK_ADD_DRIVER_FILES: NOWHERE,
    VK_LAYER_PATH: NOWHERE,
    OCL_ICD_VENDORS: NOWHERE,
    OPENCL_VENDOR_PATH: NOWHERE,
    LIBVA_DRIVERS_PATH: NOWHERE,
    LIBVA_DRIVER_NAME: 'none',
    VDPAU_DRIVER_PATH: NOWHERE,
    VDPAU_DRIVER: 'none',
    LIBGL_DRIVERS_PATH: NOWHERE,
    __EGL_VENDOR_LIBRARY_DIRS: NOWHERE,
    __EGL_VENDOR_LIBRARY_FILENAMES: NOWHERE,
    // Fonts (drawtext, subtitles), audio devices, filter plugins.
    FONTCONFIG_FILE: NOWHERE,
    FONTCONFIG_PATH: NOWHERE,
    ALSA_CONFIG_PATH: NOWHERE,
    ALSA_PLUGIN_DIR: NOWHERE,
    PULSE_SERVER: NOWHERE,
    PULSE_CLIENTCONFIG: NOWHERE,
    JACK_NO_START_SERVER: '1',
    FREI0R_PATH: NOWHERE,
    LADSPA_PATH: NOWHERE,
    LV2_PATH: NOWHERE,
    // Config lookups through XDG and TLS libraries.
    XDG_CONFIG_HOME: NOWHERE,
    XDG_CONFIG_DIRS: NOWHERE,
    XDG_DATA_HOME: NOWHERE,
    XDG_DATA_DIRS: NOWHERE,
    XDG_CACHE_HOME: NOWHERE,
    OPENSSL_CONF: NOWHERE,
    OPENSSL_MODULES: NOWHERE,
    GNUTLS_SYSTEM_PRIORITY_FILE: NOWHERE,
  };
}
