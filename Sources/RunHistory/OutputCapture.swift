import RefreshStore

/// Keeps the first and the last `limit` bytes of a stream and counts all of
/// them, in bounded memory however much the script writes.
public struct OutputCapture: Sendable {
  /// How many bytes each end keeps.
  public let limit: Int
  private var head: [UInt8] = []
  /// The last bytes after the head, as a ring of `limit` bytes once full.
  private var ring: [UInt8] = []
  private var ringStart = 0
  private(set) var total: Int64 = 0

  /// Creates an empty capture keeping `limit` bytes at each end.
  public init(limit: Int) {
    self.limit = max(0, limit)
  }

  /// Adds a chunk the script wrote.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) {
    total += Int64(bytes.count)
    var rest = bytes[...]
    if head.count < limit {
      let taken = min(limit - head.count, rest.count)
      head.append(contentsOf: rest.prefix(taken))
      rest = rest.dropFirst(taken)
    }
    guard !rest.isEmpty, limit > 0 else { return }
    if rest.count >= limit {
      ring = Array(rest.suffix(limit))
      ringStart = 0
      return
    }
    for byte in rest {
      if ring.count < limit {
        ring.append(byte)
      } else {
        ring[ringStart] = byte
        ringStart = (ringStart + 1) % limit
      }
    }
  }

  /// What was kept: head, tail in order, the total, and whether bytes were dropped.
  public var captured: CapturedStream {
    let tail = Array(ring[ringStart...] + ring[..<ringStart])
    let kept = Int64(head.count + tail.count)
    return CapturedStream(head: head, tail: tail, totalBytes: total, truncated: total > kept)
  }
}
