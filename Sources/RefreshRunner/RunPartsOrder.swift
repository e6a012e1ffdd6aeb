import SystemInterface

/// The order in which dib-run-parts runs scripts: `LC_ALL=C sort -n`.
///
/// GNU sort's numeric key takes optional leading blanks, an optional `-`,
/// digits and an optional fraction after `.`; a name with no number sorts as
/// zero. Equal numbers fall back to a byte-wise comparison of the whole name
/// (sort's "last resort" comparison), so `9-a` comes before `10-b` and
/// `10-a` before `10-b`.
public enum RunPartsOrder {
  /// Whether `lhs` sorts before `rhs`.
  public static func areInIncreasingOrder(_ lhs: String, _ rhs: String) -> Bool {
    let left = Array(lhs.utf8)
    let right = Array(rhs.utf8)
    let numeric = compareNumericPrefix(left, right)
    if numeric != 0 { return numeric < 0 }
    return left.lexicographicallyPrecedes(right)
  }

  /// Sorts names as `LC_ALL=C sort -n` does.
  public static func sorted(_ names: [String]) -> [String] {
    names.sorted(by: areInIncreasingOrder)
  }

  // MARK: - Numeric prefix

  private struct NumericKey {
    var negative: Bool
    /// Integer digits without leading zeros.
    var integer: ArraySlice<UInt8>
    /// Fraction digits without trailing zeros.
    var fraction: ArraySlice<UInt8>

    var isZero: Bool { integer.isEmpty && fraction.isEmpty }
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  private static func key(_ bytes: [UInt8]) -> NumericKey {
    var index = 0
    while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    var negative = false
    if index < bytes.count, bytes[index] == 0x2D {
      negative = true
      index += 1
    }
    var start = index
    while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    var integerEnd = index
    while start < integerEnd, bytes[start] == 0x30 { start += 1 }
    var fractionStart = index
    var fractionEnd = index
    if index < bytes.count, bytes[index] == 0x2E {
      fractionStart = index + 1
      fractionEnd = fractionStart
      while fractionEnd < bytes.count, isDigit(bytes[fractionEnd]) { fractionEnd += 1 }
      while fractionEnd > fractionStart, bytes[fractionEnd - 1] == 0x30 { fractionEnd -= 1 }
    }
    if start > integerEnd { integerEnd = start }
    return NumericKey(
      negative: negative,
      integer: bytes[start..<integerEnd],
      fraction: bytes[fractionStart..<fractionEnd]
    )
  }

  /// Compares magnitudes of two non-negative keys: -1, 0 or 1.
  private static func compareMagnitude(_ lhs: NumericKey, _ rhs: NumericKey) -> Int {
    if lhs.integer.count != rhs.integer.count {
      return lhs.integer.count < rhs.integer.count ? -1 : 1
    }
    for (a, b) in zip(lhs.integer, rhs.integer) where a != b { return a < b ? -1 : 1 }
    for (a, b) in zip(lhs.fraction, rhs.fraction) where a != b { return a < b ? -1 : 1 }
    if lhs.fraction.count != rhs.fraction.count {
      return lhs.fraction.count < rhs.fraction.count ? -1 : 1
    }
    return 0
  }

  private static func compareNumericPrefix(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
    let left = key(lhs)
    let right = key(rhs)
    let leftNegative = left.negative && !left.isZero
    let rightNegative = right.negative && !right.isZero
    switch (leftNegative, rightNegative) {
    case (true, false): return -1
    case (false, true): return 1
    case (true, true): return -compareMagnitude(left, right)
    case (false, false): return compareMagnitude(left, right)
    }
  }
}
