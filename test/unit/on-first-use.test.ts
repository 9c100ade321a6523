import { onFirstUse } from '../../shared/runtime/on-first-use';

describe('onFirstUse', () => {
  it('computes nothing until first called, then once, and returns the same value every time', () => {
    // Prepare
    const computed: string[] = [];
    const table = onFirstUse(() => {
      computed.push('checked');
      return { version: 1 };
    });
    const beforeUse = computed.length;

    // Act
    const first = table();
    const second = table();

    // Assess
    expect({ beforeUse, computed, same: first === second, first }).toEqual({
      beforeUse: 0,
      computed: ['checked'],
      same: true,
      first: { version: 1 },
    });
  });

  it('keeps a value that is undefined instead of computing it again', () => {
    // Prepare
    let calls = 0;
    const nothing = onFirstUse(() => {
      calls++;
      return undefined;
    });

    // Act
    nothing();
    nothing();

    // Assess
    expect(calls).toBe(1);
  });
});
