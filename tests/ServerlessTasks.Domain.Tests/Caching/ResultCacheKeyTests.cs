using System.Text.Json;
using ServerlessTasks.Domain.Caching;

namespace ServerlessTasks.Domain.Tests.Caching;

public sealed class ResultCacheKeyTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Canonical_KeyOrderWhitespaceAndEscapes_DoNotMatter()
    {
        Assert.Equal("""{"a":[1,{"x":"A","y":null}],"b":true}""", ResultCacheKey.Canonical(Json("""{ "b" : true, "a" : [ 1, { "y": null, "\u0078": "\u0041" } ] }""")));
        Assert.Equal(
            ResultCacheKey.For(null, "compute", Json("""{"b":1,"a":2}""")),
            ResultCacheKey.For(null, "Compute", Json("{ \"a\": 2,\n\t\"b\": 1 }")));
    }

    [Fact]
    public void For_DifferentPayloadTypeOrTenant_DiffersAndIsSha256Hex()
    {
        var key = ResultCacheKey.For(null, "echo", Json("""{"n":1}"""));
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.NotEqual(key, ResultCacheKey.For(null, "echo", Json("""{"n":2}""")));
        Assert.NotEqual(key, ResultCacheKey.For(null, "compute", Json("""{"n":1}""")));
        Assert.NotEqual(key, ResultCacheKey.For("acme", "echo", Json("""{"n":1}""")));
        Assert.NotEqual(ResultCacheKey.For("acme", "echo", Json("""{"n":1}""")), ResultCacheKey.For("globex", "echo", Json("""{"n":1}""")));
        // Numbers keep their text: 1 and 1.0 are different payloads.
        Assert.NotEqual(key, ResultCacheKey.For(null, "echo", Json("""{"n":1.0}""")));
        Assert.Equal("null", ResultCacheKey.Canonical(null));
    }
}
