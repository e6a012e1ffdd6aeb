import SystemInterface

/// The lines of a text as redaction sees them, split at newline and NUL:
/// each line's range, without its break, found with memchr(3) rather than
/// a byte at a time. The text's last line is given even when empty, as a
/// text ending in a break ends with an empty line; a break directly after
/// another gives no line of its own.
struct LineBreaks {
  private let text: UnsafeBufferPointer<UInt8>
  private var start = 0
  private var nextNewline: Int
  private var nextNul: Int
  private var done = false

  init(_ text: UnsafeBufferPointer<UInt8>) {
    self.text = text
    nextNewline = Self.find(0x0A, in: text, from: 0)
    nextNul = Self.find(0, in: text, from: 0)
  }

  /// The next line, or nil after the last.
  mutating func next() -> Range<Int>? {
    while !done {
      let end = min(nextNewline, nextNul)
      let line = start..<end
      if end == text.count { done = true }
      if end == nextNewline { nextNewline = Self.find(0x0A, in: text, from: end + 1) }
      if end == nextNul { nextNul = Self.find(0, in: text, from: end + 1) }
      start = end + 1
      if !line.isEmpty || done { return line }
    }
    return nil
  }

  /// The offset of the first `byte` at `from` or after, or the text's length.
  private static func find(_ byte: UInt8, in text: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
    guard from < text.count, let base = text.baseAddress else { return text.count }
    guard let found = memchr(base + from, Int32(byte), text.count - from) else { return text.count }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
  }
}
