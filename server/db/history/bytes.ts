// Variable-length integers and byte-trimmed XOR floats, the parts a result
// block is written in (codec.ts). Numbers stay numbers up to 2^53: a varint is
// built with arithmetic, not 32-bit shifts.
const FLOAT = new DataView(new ArrayBuffer(8));

function floatBits(v: number): bigint {
  FLOAT.setFloat64(0, v);
  return FLOAT.getBigUint64(0);
}

function bitsFloat(bits: bigint): number {
  FLOAT.setBigUint64(0, bits);
  return FLOAT.getFloat64(0);
}

export class ByteWriter {
  private chunks: number[] = [];

  /** Unsigned LEB128. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint of ${n}`);
    while (n >= 0x80) {
      this.chunks.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.chunks.push(n);
  }

  /** Zigzag: small magnitudes of either sign stay small. */
  signed(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  text(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.varint(bytes.length);
    for (const b of bytes) this.chunks.push(b);
  }

  /**
   * The XOR with the previous value's bits, its zero bytes at either end left
   * out: a header byte (leading << 4 | trailing), then the bytes between.
   * Returns this value's bits, the next one's `previous`.
   */
  xorFloat(v: number, previous: bigint): bigint {
    const bits = floatBits(v);
    const xor = bits ^ previous;
    if (xor === 0n) {
      this.chunks.push(0x88); // 8 leading zero bytes: equal to the previous
      return bits;
    }
    const bytes: number[] = [];
    for (let i = 7; i >= 0; i--) bytes.push(Number((xor >> BigInt(i * 8)) & 0xffn));
    let lead = 0;
    while (bytes[lead] === 0) lead++;
    let trail = 0;
    while (bytes[7 - trail] === 0) trail++;
    this.chunks.push((lead << 4) | trail);
    for (let i = lead; i < 8 - trail; i++) this.chunks.push(bytes[i]!);
    return bits;
  }

  bytes(): Buffer {
    return Buffer.from(this.chunks);
  }
}

export class ByteReader {
  private at = 0;
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  private byte(): number {
    if (this.at >= this.buf.length) throw new RangeError('result block ends early');
    return this.buf[this.at++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  signed(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  text(): string {
    const length = this.varint();
    if (this.at + length > this.buf.length) throw new RangeError('result block ends early');
    const s = Buffer.from(this.buf.subarray(this.at, this.at + length)).toString('utf8');
    this.at += length;
    return s;
  }

  xorFloat(previous: bigint): [number, bigint] {
    const header = this.byte();
    if (header === 0x88) return [bitsFloat(previous), previous];
    const lead = header >> 4;
    const trail = header & 0xf;
    let xor = 0n;
    for (let i = lead; i < 8 - trail; i++) xor |= BigInt(this.byte()) << BigInt((7 - i) * 8);
    const bits = previous ^ xor;
    return [bitsFloat(bits), bits];
  }
}
