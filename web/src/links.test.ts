import { describe, expect, it } from 'vitest';
import { inPlaceLink } from './links';

const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false };
const anchor = (attributes: Record<string, string>) => ({
  getAttribute: (name: string) => attributes[name] ?? null,
  hasAttribute: (name: string) => name in attributes,
});

describe('inPlaceLink', () => {
  it('opens a console address in place on a plain left click', () => {
    expect(inPlaceLink(click, anchor({ href: '/cameras/c1' }))).toBe('/cameras/c1');
    expect(inPlaceLink(click, anchor({ href: '/cameras?state=error', target: '_self' }))).toBe('/cameras?state=error');
  });

  it('leaves new tabs, windows and other buttons to the browser', () => {
    for (const change of [{ metaKey: true }, { ctrlKey: true }, { shiftKey: true }, { altKey: true }, { button: 1 }, { button: 2 }])
      expect(inPlaceLink({ ...click, ...change }, anchor({ href: '/cameras/c1' }))).toBeUndefined();
  });

  it('leaves other targets, downloads, outside addresses and handled clicks alone', () => {
    expect(inPlaceLink(click, anchor({ href: '/cameras/c1', target: '_blank' }))).toBeUndefined();
    expect(inPlaceLink(click, anchor({ href: '/export.json', download: '' }))).toBeUndefined();
    expect(inPlaceLink(click, anchor({ href: 'https://example.com/x' }))).toBeUndefined();
    expect(inPlaceLink(click, anchor({ href: '//example.com/x' }))).toBeUndefined();
    expect(inPlaceLink(click, anchor({}))).toBeUndefined();
    expect(inPlaceLink(click, null)).toBeUndefined();
    expect(inPlaceLink({ ...click, defaultPrevented: true }, anchor({ href: '/cameras/c1' }))).toBeUndefined();
  });
});
