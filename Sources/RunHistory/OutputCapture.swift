import RefreshStore

/// Keeps the first and the last `limit` bytes of a stream and counts all of
/// them, in bounded memory however much the script writes.
///
/// Both ends live in buffers allocated once, so a gibibyte of output costs
/// one bounded copy per chunk and no allocation.
public final class OutputCapture {
  /// How many bytes each end keeps.
  public let limit: Int
  private let head: UnsafeMutableRawBufferPointer
  private var headCount = 0
  /// The last bytes after the head: a ring of `limit` bytes, `ringStart`
  /// being the oldest once it is full.
  private let ring: UnsafeMutableRawBufferPointer
  private var ringCount = 0
  private var ringStart = 0
  private(set) var total: Int64 = 0

  /// Creates an empty capture keeping `limit` bytes at each end.
  public init(limit: Int) {
    self.limit = max(0, limit)
    head = .allocate(byteCount: self.limit, alignment: 1)
    ring = .allocate(byteCount: self.limit, alignment: 1)
  }

  deinit {
    head.deallocate()
    ring.deallocate()
  }

  /// Adds a chunk the script wrote.
  public func append(_ bytes: UnsafeRawBufferPointer) {
    total += Int64(bytes.count)
    var rest = bytes[...]
    if headCount < limit {
      let taken = min(limit - headCount, rest.count)
      UnsafeMutableRawBufferPointer(rebasing: head[headCount..<(headCount + taken)])
        .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(taken)))
      headCount += taken
      rest = rest.dropFirst(taken)
    }
    guard !rest.isEmpty, limit > 0 else { return }
    if rest.count >= limit {
      ring.copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.suffix(limit)))
      ringStart = 0
      ringCount = limit
      return
    }
    // Write after the newest byte, wrapping around.
    var source = rest
    var position = (ringStart + ringCount) % limit
    while !source.isEmpty {
      let room = min(limit - position, source.count)
      UnsafeMutableRawBufferPointer(rebasing: ring[position..<(position + room)])
        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(room)))
      source = source.dropFirst(room)
      position = (position + room) % limit
    }
    let added = rest.count
    if ringCount + added <= limit {
      ringCount += added
    } else {
      ringStart = (ringStart + ringCount + added) % limit
      ringCount = limit
    }
  }

  /// What was kept: head, tail in order, the total, and whether bytes were dropped.
  public var captured: CapturedStream {
    let headBytes = Array(UnsafeRawBufferPointer(rebasing: head[0..<headCount]))
    var tail: [UInt8] = []
    tail.reserveCapacity(ringCount)
    for offset in 0..<ringCount { tail.append(ring[(ringStart + offset) % max(limit, 1)]) }
    let kept = Int64(headBytes.count + tail.count)
    return CapturedStream(head: headBytes, tail: tail, totalBytes: total, truncated: total > kept)
  }
}
