using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LocalRuntime.Functions.Tests;

/// <summary>HTTP triggers proxied to the real worker: methods, routes, query, headers, bodies, status codes, problem JSON.</summary>
public sealed class HttpProxyTests(SharedHostFixture fixture) : IClassFixture<SharedHostFixture>
{
    private HttpClient Http => fixture.App.Http;

    [Fact]
    public async Task Get_QueryParameter_ReachesTheFunction()
    {
        using var response = await Http.GetAsync("api/Hello?name=Ada");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello, Ada", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_Body_IsEchoedWithItsContentTypeAndMethod()
    {
        using var content = new StringContent("line one\nline two", Encoding.UTF8, "text/csv");
        using var response = await Http.PutAsync("api/Echo", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("line one\nline two", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("PUT", response.Headers.GetValues("X-Echo-Method").Single());
    }

    [Fact]
    public async Task Post_Json_ComesBackAsCreated()
    {
        using var response = await Http.PostAsJsonAsync("api/Json", new { a = 1, b = new[] { "x", "y" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("""{"received":{"a":1,"b":["x","y"]}}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("api/products/books/42", "books", 42)]
    [InlineData("api/products/games", "games", null)]
    public async Task Get_RouteWithConstraintsAndOptionalParameter_BindsRouteValues(string path, string category, int? id)
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync(path));

        Assert.Equal(category, document.RootElement.GetProperty("category").GetString());
        Assert.Equal(category, document.RootElement.GetProperty("routeCategory").GetString());
        if (id is null)
        {
            Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("id").ValueKind);
        }
        else
        {
            Assert.Equal(id, document.RootElement.GetProperty("id").GetInt32());
        }
    }

    [Theory]
    [InlineData("api/products/books/notanumber")]
    [InlineData("api/products/123/4")]
    [InlineData("api/status/abc")]
    public async Task Get_RouteConstraintNotMet_IsProblem404(string path)
    {
        using var response = await Http.GetAsync(path);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "/" + path);
    }

    [Fact]
    public async Task Get_UnknownRoute_IsProblem404NamingThePath()
    {
        using var response = await Http.GetAsync("api/no/such/function");

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound, "/api/no/such/function");
        Assert.Equal("No function or endpoint matches GET '/api/no/such/function'.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WrongMethod_IsProblem405WithAllow()
    {
        using var response = await Http.DeleteAsync("api/Hello");

        var problem = await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "/api/Hello");
        Assert.Equal(["GET", "POST"], response.Content.Headers.Allow.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("'/api/Hello' allows GET, POST; the request used DELETE.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData(201)]
    [InlineData(404)]
    [InlineData(418)]
    [InlineData(503)]
    public async Task Get_FunctionSetsStatusAndHeader_TheyAreForwardedAsIs(int code)
    {
        using var response = await Http.GetAsync($"api/status/{code}");

        Assert.Equal(code, (int)response.StatusCode);
        Assert.Equal($"status {code}", await response.Content.ReadAsStringAsync());
        Assert.Equal("set-by-function", response.Headers.GetValues("X-Status-Header").Single());
    }

    [Fact]
    public async Task Get_Headers_TheWorkerSeesTheClientsHostSchemeAndHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/inspect/deep/path?x=1&y=two");
        request.Headers.Add("X-Custom", "custom value");
        request.Headers.Host = "client.example:8443";
        using var response = await Http.SendAsync(request);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("http", root.GetProperty("scheme").GetString());
        Assert.Equal("client.example:8443", root.GetProperty("host").GetString());
        Assert.Equal("/api/inspect/deep/path", root.GetProperty("path").GetString());
        Assert.Equal("1", root.GetProperty("query").GetProperty("x").GetString());
        Assert.Equal("two", root.GetProperty("query").GetProperty("y").GetString());
        var headers = root.GetProperty("headers");
        Assert.Equal("custom value", headers.GetProperty("x-custom").GetString());
        Assert.True(Guid.TryParse(headers.GetProperty("x-ms-invocation-id").GetString(), out _));
    }

    [Fact]
    public async Task Get_LargeStreamedResponse_ArrivesWhole()
    {
        const int size = 12 * 1024 * 1024 + 17;

        var body = await Http.GetByteArrayAsync($"api/large/{size}");

        Assert.Equal(size, body.Length);
        Assert.True(body.Select((b, i) => b == (byte)(i % (64 * 1024) % 251)).All(ok => ok));
    }

    [Fact]
    public async Task Post_LargeBody_IsStreamedToTheFunction()
    {
        var payload = new byte[20 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        using var response = await Http.PostAsync("api/Upload", content);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload.Length, document.RootElement.GetProperty("length").GetInt64());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(payload)), document.RootElement.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Get_FunctionThrows_IsProblem500NamingTheFunction()
    {
        using var response = await Http.GetAsync("api/Throws");

        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError, "/api/Throws");
        Assert.Equal("Function 'Throws' failed: Throws was asked to throw.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Get_ManyConcurrentRequests_AllAnswered()
    {
        var texts = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Http.GetStringAsync($"api/Hello?name=n{i}")));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"Hello, n{i}"), texts);
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string instance)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var problem = document.RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(instance, problem.GetProperty("instance").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }
}
