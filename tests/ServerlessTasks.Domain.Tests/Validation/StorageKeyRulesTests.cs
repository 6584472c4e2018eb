using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Tests.Validation;

public class StorageKeyRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("task-1_b.c:d@e")]
    [InlineData("zahlung-ü")]
    [InlineData("注文-42")]
    [InlineData("नमस्ते")] // Devanagari with combining marks
    [InlineData("..a")]
    [InlineData("٣")] // Arabic-Indic digit
    public void Check_SafeId_ReturnsNone(string id)
    {
        Assert.Equal(StorageKeyViolation.None, StorageKeyRules.Check(id, 128));
    }

    [Theory]
    [InlineData(null, StorageKeyViolation.Empty)]
    [InlineData("", StorageKeyViolation.Empty)]
    [InlineData(".", StorageKeyViolation.DotSegment)]
    [InlineData("..", StorageKeyViolation.DotSegment)]
    [InlineData("../etc", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a/b", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a\\b", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a#b", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a?b", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("%2F", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a\0b", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a\u0007", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData(" a", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a ", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a\tb", StorageKeyViolation.ForbiddenCharacter)]
    [InlineData("a\u202Eb", StorageKeyViolation.ForbiddenCharacter)] // bidi override
    [InlineData("a\u200Db", StorageKeyViolation.ForbiddenCharacter)] // zero-width joiner
    [InlineData("\uD83D\uDE00", StorageKeyViolation.ForbiddenCharacter)] // emoji
    public void Check_UnsafeId_ReturnsViolation(string? id, StorageKeyViolation expected)
    {
        Assert.Equal(expected, StorageKeyRules.Check(id, 128));
    }

    [Fact]
    public void Check_LoneSurrogate_MalformedUnicode()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate through metadata.
        var id = string.Concat("a", ((char)0xD800).ToString(), "b");

        Assert.Equal(StorageKeyViolation.MalformedUnicode, StorageKeyRules.Check(id, 128));
    }

    [Fact]
    public void Check_IdAtAndOverLimit_OnlyOverLimitRejected()
    {
        Assert.Equal(StorageKeyViolation.None, StorageKeyRules.Check(new string('x', 128), 128));
        Assert.Equal(StorageKeyViolation.TooLong, StorageKeyRules.Check(new string('x', 129), 128));
        Assert.Equal(StorageKeyViolation.TooLong, StorageKeyRules.Check(new string('x', 4096), 128));
    }
}
