// Accessibility and containment checks the browser itself answers: the accessible names and
// roles chromium computes (its accessibility tree, over the DevTools protocol), where the
// keyboard's Tab key goes, whether a page scrolls sideways, and which origins a page loads from.
import type { Page } from "playwright-core";

interface AxNode {
  ignored: boolean;
  role?: { value?: string };
  name?: { value?: string };
}

/** Roles a person operates: each needs a name a screen reader can say. */
const CONTROL_ROLES = new Set([
  "button",
  "link",
  "textbox",
  "searchbox",
  "combobox",
  "listbox",
  "checkbox",
  "radio",
  "switch",
  "slider",
  "spinbutton",
  "menuitem",
  "tab",
]);

async function axTree(page: Page): Promise<AxNode[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: AxNode[] };
    return nodes.filter((node) => !node.ignored);
  } finally {
    await cdp.detach();
  }
}

export interface AxSummary {
  /** Roles of the page's landmarks (banner, navigation, main, search…). */
  landmarks: string[];
  /** Every control with its computed accessible name. */
  controls: Array<{ role: string; name: string }>;
}

export async function accessibility(page: Page): Promise<AxSummary> {
  const nodes = await axTree(page);
  const landmarkRoles = new Set(["banner", "navigation", "main", "search", "contentinfo", "region", "form"]);
  return {
    landmarks: nodes.map((node) => node.role?.value ?? "").filter((role) => landmarkRoles.has(role)),
    controls: nodes
      .filter((node) => CONTROL_ROLES.has(node.role?.value ?? ""))
      .map((node) => ({ role: node.role?.value ?? "", name: (node.name?.value ?? "").trim() })),
  };
}

// The scripts below run in the page; they are strings because this project's TypeScript has
// no DOM types (lib ES2024 only), which keeps browser globals out of the server's code.

/** What keyboard focus lands on, Tab after Tab from the top of the page. */
export async function tabStops(page: Page, presses: number): Promise<string[]> {
  await page.evaluate("document.activeElement && document.activeElement.blur()");
  const stops: string[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press("Tab");
    stops.push(
      await page.evaluate<string>(`(() => {
        const element = document.activeElement;
        if (!element || element === document.body) return "body";
        const name = element.getAttribute("name");
        const href = element.getAttribute("href");
        return element.tagName.toLowerCase() + (name ? "[name=" + name + "]" : "") + (href ? "[href=" + href + "]" : "");
      })()`),
    );
  }
  return stops;
}

/** Elements wider than their box: the page, or any scroll container in it. */
export async function sidewaysScroll(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const wide = [];
    const root = document.scrollingElement || document.documentElement;
    if (root.scrollWidth > root.clientWidth) wide.push("page " + root.scrollWidth + " > " + root.clientWidth);
    for (const element of document.querySelectorAll("main *")) {
      const overflow = getComputedStyle(element).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && element.scrollWidth > element.clientWidth) {
        wide.push(element.tagName.toLowerCase() + "." + element.className + " " + element.scrollWidth + " > " + element.clientWidth);
      }
    }
    return wide;
  })()`);
}

/** Marks the page's window: a reload or navigation loses the mark. */
export async function markWindow(page: Page): Promise<void> {
  await page.evaluate("window.ferryMarker = 'same page'");
}

export async function windowMarked(page: Page): Promise<boolean> {
  return page.evaluate<boolean>("window.ferryMarker === 'same page'");
}

/** URLs the page loads resources from (scripts, styles, images, icons…) as written. */
export async function resourceUrls(page: Page): Promise<string[]> {
  const urls: string[] = [];
  for (const element of await page.locator("[src], link[href]").all()) {
    urls.push((await element.getAttribute("src")) ?? (await element.getAttribute("href")) ?? "");
  }
  return urls;
}

/** In-page expression: the elements that render text of their own (not only their children's). */
const textElements = `[...document.body.querySelectorAll("*")].filter((element) =>
  element.getClientRects().length > 0 &&
  [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim() !== ""))`;

/**
 * Text whose colour against its background is below WCAG's 4.5:1 (AA, normal text): each
 * element with its own text, its computed colour, and the first opaque background behind it.
 */
export async function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const rgb = (css) => (css.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
      const channel = (value) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = (element) => {
      for (let at = element; at; at = at.parentElement) {
        const color = rgb(getComputedStyle(at).backgroundColor);
        if (color.length === 3 || color[3] === 1) return color;
      }
      return [255, 255, 255];
    };
    const low = [];
    for (const element of ${textElements}) {
      const style = getComputedStyle(element);
      if (style.visibility === "hidden") continue;
      const [fg, bg] = [luminance(rgb(style.color)), luminance(background(element))];
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) low.push(element.tagName.toLowerCase() + " '" + element.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
    }
    return low;
  })()`);
}

/**
 * Controls smaller than 24 × 24 CSS pixels (WCAG 2.2's minimum target size), except links in a
 * run of text (the "inline" exception: a link in a sentence is as tall as its line). Only what
 * is on screen counts: the skip link waits off-screen until focused.
 */
export async function smallTapTargets(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const small = [];
    for (const element of document.body.querySelectorAll("a[href], button, input, select, textarea, summary")) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.right <= 0 || getComputedStyle(element).visibility === "hidden") continue;
      if (element.type === "hidden") continue;
      const parent = element.parentElement;
      const inSentence = element.tagName === "A" && parent &&
        [...parent.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim() !== "");
      if (inSentence) continue;
      if (box.width < 24 || box.height < 24) {
        small.push(element.tagName.toLowerCase() + " '" + (element.textContent || element.getAttribute("name") || "").trim().slice(0, 30) + "' " + Math.round(box.width) + "×" + Math.round(box.height));
      }
    }
    return small;
  })()`);
}

/** Text on screen set smaller than 12 CSS pixels: too small to read on a phone. */
export async function smallText(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const small = [];
    for (const element of ${textElements}) {
      const box = element.getBoundingClientRect();
      if (box.width <= 1 || box.right <= 0) continue;
      const size = parseFloat(getComputedStyle(element).fontSize);
      if (size < 12) small.push(element.tagName.toLowerCase() + " '" + element.textContent.trim().slice(0, 30) + "' " + size + "px");
    }
    return small;
  })()`);
}
