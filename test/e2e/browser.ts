/** Headless Chromium from the Debian package, driven by playwright-core, for page tests. */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** No network and no first-run work: the page must stand on its own (Playwright gives each launch a fresh profile). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught page errors, as they happen. */
  errors: string[];
  close(): Promise<void>;
}

/** Opens a local HTML file; fails with what to install when Chromium is missing. */
export async function openInChromium(
  file: string,
  viewport = { width: 1240, height: 1000 },
): Promise<OpenedPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install the Debian package (apt-get install chromium), as .ci/run does`,
    );
  }
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: FLAGS,
      timeout: 30_000,
    });
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(pathToFileURL(file).href);
    const opened = browser;
    return {
      page,
      errors,
      close: () => opened.close(),
    };
  } catch (err) {
    await browser?.close();
    throw err;
  }
}

/**
 * How many distinct colours a PNG has, decoded by the browser itself (no
 * image library): a blank or failed render has one or two.
 */
export async function distinctColours(page: Page, png: Buffer): Promise<number> {
  const script = `(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,${png.toString('base64')}';
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const colours = new Set();
    for (let i = 0; i < pixels.length; i += 4) colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
    return colours.size;
  })()`;
  return page.evaluate(script) as Promise<number>;
}
