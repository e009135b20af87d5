import { launchPage } from './browser.mjs';
const tabs = process.argv.slice(2);
const { page, close } = await launchPage({ viewport: { width: 375, height: 740 } });
await page.waitForFunction(() => document.getElementById('results').dataset.state === 'idle', null, { timeout: 30000 });
for (const tab of tabs) {
  await page.click(`[data-testid="tab-${tab}"]`);
  await page.waitForTimeout(tab === 'network' ? 6000 : 1500);
  const h = await page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0, i = 0; y < h && i < 6; y += 1000, i++)
    await page.screenshot({ path: `/tmp/crops/${tab}-${i}.png`, fullPage: true, clip: { x: 0, y, width: 375, height: Math.min(1000, h - y) } });
}
await close();
