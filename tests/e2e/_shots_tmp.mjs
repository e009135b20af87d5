import { launchPage } from './browser.mjs';
const { page, close } = await launchPage({ viewport: { width: 375, height: 740 } });
await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 30000 });
for (const scheme of ['dark', 'light']) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForTimeout(300);
  await page.locator('#chart').screenshot({ path: `/tmp/crops/chart-${scheme}.png` });
}
await page.setViewportSize({ width: 1280, height: 900 });
await page.waitForTimeout(500);
await page.locator('#chart').screenshot({ path: `/tmp/crops/chart-wide.png` });
await close();
