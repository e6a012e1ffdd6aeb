/// Content-defined chunks, as restic and borg store files: cut points come
/// from the bytes themselves (a Gear rolling hash over the last 64 bytes),
/// so a change in one place changes the chunks around it and no other: a
/// large metadata file whose one key changed stores one or two new chunks,
/// not itself again. Chunks are 2 to 64 KiB, about 16 KiB on average; their
/// concatenation is the file, byte for byte.
public enum ContentChunks {
  /// Contents at least this large are stored as chunks.
  public static let threshold = 64 * 1024
  static let minimum = 2 * 1024
  static let maximum = 64 * 1024
  /// 14 bits: a cut about every 16 KiB past the minimum.
  static let cutBits: UInt64 = 14

  /// The chunks of `bytes`, as ranges that tile it in order.
  public static func ranges(of bytes: [UInt8]) -> [Range<Int>] {
    // The table read once, not per byte (a lazy global's check each time).
    let table = gear
    return bytes.withUnsafeBufferPointer { bytes in
      table.withUnsafeBufferPointer { table in
        var ranges: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
          let end = cut(bytes, from: start, gear: table)
          ranges.append(start..<end)
          start = end
        }
        return ranges
      }
    }
  }

  private static func cut(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, gear: UnsafeBufferPointer<UInt64>)
    -> Int
  {
    let limit = min(bytes.count, start + maximum)
    guard limit - start > minimum else { return limit }
    var hash: UInt64 = 0
    var index = start
    // The hash over the bytes before the minimum only warms up the window.
    while index < start + minimum {
      hash = (hash << 1) &+ gear[Int(bytes[index])]
      index += 1
    }
    while index < limit {
      hash = (hash << 1) &+ gear[Int(bytes[index])]
      index += 1
      if hash >> (64 - cutBits) == 0 { return index }
    }
    return limit
  }

  /// 256 fixed pseudo-random words (SplitMix64 from a fixed seed): cut
  /// points must not change between versions, or unchanged files would be
  /// stored again.
  static let gear: [UInt64] = {
    var state: UInt64 = 0x6F72_632D_6368_756E
    return (0..<256).map { _ in
      state = state &+ 0x9E37_79B9_7F4A_7C15
      var mixed = state
      mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
      mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
      return mixed ^ (mixed >> 31)
    }
  }()
}
