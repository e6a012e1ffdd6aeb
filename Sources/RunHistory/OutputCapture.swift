import RefreshStore
import SecretHiding

/// Keeps the first and the last `limit` bytes of a stream and counts all of
/// them, in bounded memory however much the script writes.
///
/// Each end keeps `context` bytes more than it stores, so that redaction
/// sees whole what straddles a cut: a secret that begins in the stored head
/// and ends beyond it is found in the head's context and hidden; one that
/// begins before the tail's context and ends in it falls wholly in the
/// context that is not stored. Both ends live in buffers allocated once, so
/// a gibibyte of output costs one bounded copy per chunk and no allocation.
public final class OutputCapture {
  /// How many bytes each end stores.
  public let limit: Int
  /// The context kept beyond each cut, for redaction: the longest match
  /// that is always seen whole across a cut.
  public let context: Int
  private let head: UnsafeMutableRawBufferPointer
  private var headCount = 0
  /// The last bytes after the head: a ring, `ringStart` being the oldest once it is full.
  private let ring: UnsafeMutableRawBufferPointer
  private var ringCount = 0
  private var ringStart = 0
  private(set) var total: Int64 = 0

  /// Creates an empty capture storing `limit` bytes at each end.
  public init(limit: Int, context: Int = 16 * 1024) {
    self.limit = max(0, limit)
    self.context = self.limit == 0 ? 0 : max(0, context)
    head = .allocate(byteCount: self.limit + self.context, alignment: 1)
    ring = .allocate(byteCount: self.limit + self.context, alignment: 1)
  }

  deinit {
    head.deallocate()
    ring.deallocate()
  }

  /// Empties the capture for the next script, keeping its buffers.
  public func reset() {
    headCount = 0
    ringCount = 0
    ringStart = 0
    total = 0
  }

  /// Adds a chunk the script wrote.
  public func append(_ bytes: UnsafeRawBufferPointer) {
    total += Int64(bytes.count)
    var rest = bytes[...]
    if headCount < head.count {
      let taken = min(head.count - headCount, rest.count)
      UnsafeMutableRawBufferPointer(rebasing: head[headCount..<(headCount + taken)])
        .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(taken)))
      headCount += taken
      rest = rest.dropFirst(taken)
    }
    let capacity = ring.count
    guard !rest.isEmpty, capacity > 0 else { return }
    if rest.count >= capacity {
      ring.copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.suffix(capacity)))
      ringStart = 0
      ringCount = capacity
      return
    }
    // Write after the newest byte, wrapping around.
    var source = rest
    var position = (ringStart + ringCount) % capacity
    while !source.isEmpty {
      let room = min(capacity - position, source.count)
      UnsafeMutableRawBufferPointer(rebasing: ring[position..<(position + room)])
        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(room)))
      source = source.dropFirst(room)
      position = (position + room) % capacity
    }
    if ringCount + rest.count <= capacity {
      ringCount += rest.count
    } else {
      ringStart = (ringStart + ringCount + rest.count) % capacity
      ringCount = capacity
    }
  }

  /// What is stored: head, tail in order, the total, and whether bytes were dropped.
  public var captured: CapturedStream { captured(hiding: { _ in [] }) }

  /// What is stored, each range `hidden` names (in offsets of the bytes it
  /// is given) replaced by `<redacted>`, computed with the context around each cut.
  public func captured(hiding hidden: ([UInt8]) -> [Range<Int>]) -> CapturedStream {
    let headBytes = Array(UnsafeRawBufferPointer(rebasing: head[0..<headCount]))
    var tailBytes: [UInt8] = []
    tailBytes.reserveCapacity(ringCount)
    for offset in 0..<ringCount { tailBytes.append(ring[(ringStart + offset) % ring.count]) }
    let stored = Int64(min(Int64(limit), total)) + min(Int64(limit), max(0, total - Int64(limit)))
    let truncated = total > stored
    if total == Int64(headBytes.count + tailBytes.count) {
      // Nothing was dropped: one text, cut after the hiding.
      let all = headBytes + tailBytes
      let ranges = hidden(all)
      let headEnd = min(limit, all.count)
      let tailStart = truncated ? all.count - limit : headEnd
      return CapturedStream(
        head: OutputRedactor.replacing(ranges, of: all, in: 0..<headEnd),
        tail: OutputRedactor.replacing(ranges, of: all, in: tailStart..<all.count), totalBytes: total,
        truncated: truncated)
    }
    return CapturedStream(
      head: OutputRedactor.replacing(hidden(headBytes), of: headBytes, in: 0..<limit),
      tail: OutputRedactor.replacing(hidden(tailBytes), of: tailBytes, in: (tailBytes.count - limit)..<tailBytes.count),
      totalBytes: total, truncated: true)
  }
}
