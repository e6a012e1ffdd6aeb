/// How much two texts share at their start and at their end: found a word
/// at a time, so the work that follows (pairing brackets, looking for
/// secret names, comparing subtrees) can pass over what is the same in both.
public struct CommonEnds: Sendable, Equatable {
  /// Bytes equal at the start of both.
  public let prefix: Int
  /// Bytes equal at the end of both, never overlapping the prefix in either.
  public let suffix: Int
  /// `new.count - old.count`: where a suffix byte of the old text is in the new.
  public let shift: Int

  public init(_ old: [UInt8], _ new: [UInt8]) {
    let limit = min(old.count, new.count)
    let prefix = old.withUnsafeBytes { a in
      new.withUnsafeBytes { b in Self.matching(a, b, limit: limit, fromEnd: false) }
    }
    self.prefix = prefix
    suffix = old.withUnsafeBytes { a in
      new.withUnsafeBytes { b in Self.matching(a, b, limit: limit - prefix, fromEnd: true) }
    }
    shift = new.count - old.count
  }

  /// Bytes equal from the start (or the end) of `a` and `b`, at most `limit`:
  /// eight at a time, then one at a time.
  private static func matching(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, limit: Int, fromEnd: Bool)
    -> Int
  {
    var count = 0
    while count + 8 <= limit {
      let (x, y) =
        fromEnd
        ? (
          a.loadUnaligned(fromByteOffset: a.count - count - 8, as: UInt64.self),
          b.loadUnaligned(fromByteOffset: b.count - count - 8, as: UInt64.self)
        )
        : (
          a.loadUnaligned(fromByteOffset: count, as: UInt64.self),
          b.loadUnaligned(fromByteOffset: count, as: UInt64.self)
        )
      if x != y { break }
      count += 8
    }
    while count < limit {
      let (x, y) = fromEnd ? (a[a.count - 1 - count], b[b.count - 1 - count]) : (a[count], b[count])
      if x != y { break }
      count += 1
    }
    return count
  }

  /// Whether `a` of the old text and `b` of the new hold the same bytes
  /// because both lie in the shared start, or both in the shared end, at
  /// the same place.
  public func sameBytes(_ a: Range<Int>, oldCount: Int, _ b: Range<Int>) -> Bool {
    guard a.count == b.count else { return false }
    if a == b && a.upperBound <= prefix { return true }
    return a.lowerBound >= oldCount - suffix && b.lowerBound == a.lowerBound + shift
  }
}
