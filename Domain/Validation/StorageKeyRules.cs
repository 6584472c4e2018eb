using System.Globalization;
using System.Text;

namespace ServerlessTasks.Domain.Validation;

/// <summary>
/// The rule that makes task, workflow and node ids safe as storage keys everywhere we put them
/// (SQLite keys, Azure Table partition/row keys, blob names, URL path segments, instance ids).
/// </summary>
/// <remarks>
/// <para>Allowed: Unicode letters (any <c>L*</c> category), combining marks (<c>Mn</c>, <c>Mc</c>, needed by
/// many scripts), decimal digits (<c>Nd</c>) and the five punctuation characters <c>- _ . : @</c>.
/// Everything else is refused: control characters (NUL included), whitespace (so no leading or trailing
/// blanks), <c>/ \ # ? %</c>, format characters such as bidi overrides and zero-width joiners, symbols and
/// emoji. The ids <c>.</c> and <c>..</c> are refused; length is 1 to the limit in UTF-16 code units.</para>
/// <para>An allowed id needs no escaping in any of the stores, so it round-trips exactly. Ids are compared
/// ordinally and are not Unicode-normalized: two spellings of one letter are two ids.</para>
/// </remarks>
public static class StorageKeyRules
{
    /// <summary>The punctuation characters allowed besides letters, marks and digits.</summary>
    public const string AllowedPunctuation = "-_.:@";

    /// <summary>Checks <paramref name="id"/> against the rule.</summary>
    /// <param name="id">The candidate id.</param>
    /// <param name="maxLength">Longest allowed length in UTF-16 code units.</param>
    /// <returns><see cref="StorageKeyViolation.None"/> when safe, else the first violation found.</returns>
    public static StorageKeyViolation Check(string? id, int maxLength)
    {
        if (string.IsNullOrEmpty(id))
        {
            return StorageKeyViolation.Empty;
        }

        if (id.Length > maxLength)
        {
            return StorageKeyViolation.TooLong;
        }

        if (id is "." or "..")
        {
            return StorageKeyViolation.DotSegment;
        }

        var span = id.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return StorageKeyViolation.MalformedUnicode;
            }

            if (!IsAllowed(rune))
            {
                return StorageKeyViolation.ForbiddenCharacter;
            }

            span = span[consumed..];
        }

        return StorageKeyViolation.None;
    }

    /// <summary>True when <paramref name="id"/> is safe as a storage key.</summary>
    /// <param name="id">The candidate id.</param>
    /// <param name="maxLength">Longest allowed length in UTF-16 code units.</param>
    public static bool IsSafe(string? id, int maxLength) => Check(id, maxLength) == StorageKeyViolation.None;

    /// <summary>A short English explanation of a violation, for problem messages.</summary>
    /// <param name="violation">The violation.</param>
    /// <param name="maxLength">The limit that applied.</param>
    public static string Describe(StorageKeyViolation violation, int maxLength) => violation switch
    {
        StorageKeyViolation.None => "is safe",
        StorageKeyViolation.Empty => "is empty",
        StorageKeyViolation.TooLong => string.Create(CultureInfo.InvariantCulture, $"is longer than {maxLength} characters"),
        StorageKeyViolation.MalformedUnicode => "is not well-formed Unicode",
        StorageKeyViolation.DotSegment => "is a path segment ('.' or '..')",
        StorageKeyViolation.ForbiddenCharacter =>
            "contains a character other than letters, digits, combining marks and - _ . : @",
        _ => "is not allowed",
    };

    private static bool IsAllowed(Rune rune)
    {
        if (rune.IsAscii)
        {
            var c = (char)rune.Value;
            return char.IsAsciiLetterOrDigit(c) || AllowedPunctuation.Contains(c, StringComparison.Ordinal);
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.DecimalDigitNumber => true,
            _ => false,
        };
    }
}
