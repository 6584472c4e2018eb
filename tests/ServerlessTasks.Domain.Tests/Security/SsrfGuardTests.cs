using System.Net;
using ServerlessTasks.Domain.Security;

namespace ServerlessTasks.Domain.Tests.Security;

public class SsrfGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", AddressCategory.Loopback)]
    [InlineData("127.255.255.254", AddressCategory.Loopback)]
    [InlineData("::1", AddressCategory.Loopback)]
    [InlineData("10.0.0.1", AddressCategory.Private)]
    [InlineData("172.16.0.1", AddressCategory.Private)]
    [InlineData("172.31.255.255", AddressCategory.Private)]
    [InlineData("172.32.0.1", AddressCategory.Public)]
    [InlineData("192.168.1.1", AddressCategory.Private)]
    [InlineData("fc00::1", AddressCategory.Private)]
    [InlineData("fd12:3456::1", AddressCategory.Private)]
    [InlineData("169.254.169.254", AddressCategory.LinkLocal)]
    [InlineData("169.254.0.1", AddressCategory.LinkLocal)]
    [InlineData("fe80::1", AddressCategory.LinkLocal)]
    [InlineData("febf::1", AddressCategory.LinkLocal)]
    [InlineData("100.64.0.1", AddressCategory.SharedAddressSpace)]
    [InlineData("100.127.255.255", AddressCategory.SharedAddressSpace)]
    [InlineData("100.128.0.1", AddressCategory.Public)]
    [InlineData("0.0.0.0", AddressCategory.Unspecified)]
    [InlineData("0.1.2.3", AddressCategory.Unspecified)]
    [InlineData("::", AddressCategory.Unspecified)]
    [InlineData("224.0.0.1", AddressCategory.Multicast)]
    [InlineData("239.255.255.250", AddressCategory.Multicast)]
    [InlineData("ff02::1", AddressCategory.Multicast)]
    [InlineData("255.255.255.255", AddressCategory.Broadcast)]
    [InlineData("240.0.0.1", AddressCategory.Reserved)]
    [InlineData("198.18.0.1", AddressCategory.Reserved)]
    [InlineData("192.0.2.10", AddressCategory.Documentation)]
    [InlineData("2001:db8::1", AddressCategory.Documentation)]
    [InlineData("::ffff:127.0.0.1", AddressCategory.Loopback)]
    [InlineData("::ffff:169.254.169.254", AddressCategory.LinkLocal)]
    [InlineData("::ffff:10.1.2.3", AddressCategory.Private)]
    [InlineData("::ffff:8.8.8.8", AddressCategory.Public)]
    [InlineData("::127.0.0.1", AddressCategory.Loopback)]
    [InlineData("64:ff9b::a9fe:a9fe", AddressCategory.LinkLocal)]
    [InlineData("2002:7f00:1::", AddressCategory.Loopback)]
    [InlineData("2001::1", AddressCategory.Reserved)]
    [InlineData("8.8.8.8", AddressCategory.Public)]
    [InlineData("1.1.1.1", AddressCategory.Public)]
    [InlineData("2606:4700:4700::1111", AddressCategory.Public)]
    public void Classify_Address_ExpectedCategory(string address, AddressCategory expected)
    {
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("http://127.0.0.1/hook", "127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://2130706433/", "127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://0177.0.0.1/", "127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://0x7f.1/", "127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://0x7f000001/", "127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://127.1/", "127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://127.0.0.1./", "127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://0/", "0.0.0.0", AddressCategory.Unspecified)]
    [InlineData("http://[::1]:8080/", "::1", AddressCategory.Loopback)]
    [InlineData("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1", AddressCategory.Loopback)]
    [InlineData("http://[::ffff:a9fe:a9fe]/", "::ffff:169.254.169.254", AddressCategory.LinkLocal)]
    [InlineData("http://169.254.169.254/latest/meta-data/", "169.254.169.254", AddressCategory.LinkLocal)]
    [InlineData("http://[fe80::1%25eth0]/", "fe80::1", AddressCategory.LinkLocal)]
    [InlineData("https://10.0.0.5/", "10.0.0.5", AddressCategory.Private)]
    [InlineData("http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254", AddressCategory.LinkLocal)]
    [InlineData("http://100.64.1.1/", "100.64.1.1", AddressCategory.SharedAddressSpace)]
    [InlineData("http://127。0。0。1/", "127.0.0.1", AddressCategory.Loopback)] // ideographic full stops
    public void Check_BlockedLiteralInAnyNotation_RefusedWithRealAddress(string url, string address, AddressCategory category)
    {
        var check = CallbackUrlGuard.Check(url, allowLoopback: false);

        Assert.Equal(CallbackUrlVerdict.Refused, check.Verdict);
        Assert.Equal(CallbackUrlProblem.BlockedAddress, check.Problem);
        Assert.Equal(IPAddress.Parse(address), check.Address);
        Assert.Equal(category, check.Category);
    }

    [Theory]
    [InlineData("ftp://example.com/", CallbackUrlProblem.UnsupportedScheme)]
    [InlineData("file:///etc/passwd", CallbackUrlProblem.UnsupportedScheme)]
    [InlineData("gopher://example.com/", CallbackUrlProblem.UnsupportedScheme)]
    [InlineData("javascript:alert(1)", CallbackUrlProblem.UnsupportedScheme)]
    [InlineData("http://user:pw@example.com/", CallbackUrlProblem.UserInfo)]
    [InlineData("http://localhost:80@evil.example/", CallbackUrlProblem.UserInfo)]
    [InlineData("/relative/hook", CallbackUrlProblem.Malformed)]
    [InlineData("not a url", CallbackUrlProblem.Malformed)]
    [InlineData("", CallbackUrlProblem.Malformed)]
    [InlineData(null, CallbackUrlProblem.Malformed)]
    [InlineData("http://localhost/", CallbackUrlProblem.BlockedHostName)]
    [InlineData("http://LOCALHOST./", CallbackUrlProblem.BlockedHostName)]
    [InlineData("http://api.localhost/", CallbackUrlProblem.BlockedHostName)]
    public void Check_RefusedForm_Problem(string? url, CallbackUrlProblem expected)
    {
        var check = CallbackUrlGuard.Check(url, allowLoopback: false);

        Assert.Equal(CallbackUrlVerdict.Refused, check.Verdict);
        Assert.Equal(expected, check.Problem);
    }

    [Fact]
    public void Check_CircledDigitsHost_NeverAllowedWithoutResolution()
    {
        // Depending on the IDNA mapping available this is either mapped to 127.0.0.1 (refused) or kept as a
        // punycode name that must be resolved and checked; it is never waved through as a public literal.
        var check = CallbackUrlGuard.Check("http://①②⑦.0.0.1/", allowLoopback: false);

        Assert.NotEqual(CallbackUrlVerdict.Allowed, check.Verdict);
        Assert.True(check.Verdict == CallbackUrlVerdict.Refused || check.Host!.StartsWith("xn--", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://example.com/hooks?x=1", CallbackUrlVerdict.NeedsResolution, "example.com")]
    [InlineData("https://EXAMPLE.com./hooks", CallbackUrlVerdict.NeedsResolution, "example.com")]
    [InlineData("https://bücher.example/", CallbackUrlVerdict.NeedsResolution, "xn--bcher-kva.example")]
    [InlineData("https://8.8.8.8/", CallbackUrlVerdict.Allowed, "8.8.8.8")]
    [InlineData("http://134744072/", CallbackUrlVerdict.Allowed, "8.8.8.8")]
    [InlineData("https://[2606:4700:4700::1111]/", CallbackUrlVerdict.Allowed, "2606:4700:4700::1111")]
    public void Check_PublicOrName_AllowedOrNeedsResolution(string url, CallbackUrlVerdict verdict, string host)
    {
        var check = CallbackUrlGuard.Check(url, allowLoopback: false);

        Assert.Equal(verdict, check.Verdict);
        Assert.Equal(CallbackUrlProblem.None, check.Problem);
        Assert.Equal(host, check.Host);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071/api/hook", CallbackUrlVerdict.Allowed)]
    [InlineData("http://[::1]/", CallbackUrlVerdict.Allowed)]
    [InlineData("http://localhost:7071/", CallbackUrlVerdict.NeedsResolution)]
    [InlineData("http://10.0.0.1/", CallbackUrlVerdict.Refused)]
    [InlineData("http://169.254.169.254/", CallbackUrlVerdict.Refused)]
    public void Check_DevelopmentMode_LoopbackOnlyAllowed(string url, CallbackUrlVerdict expected)
    {
        Assert.Equal(expected, CallbackUrlGuard.Check(url, allowLoopback: true).Verdict);
    }

    [Theory]
    [InlineData("8.8.8.8", false, true)]
    [InlineData("127.0.0.1", false, false)]
    [InlineData("127.0.0.1", true, true)]
    [InlineData("::ffff:127.0.0.1", true, true)]
    [InlineData("10.0.0.1", true, false)]
    [InlineData("169.254.169.254", true, false)]
    public void IsAllowedAddress_ResolvedAnswer_Expected(string address, bool allowLoopback, bool expected)
    {
        Assert.Equal(expected, CallbackUrlGuard.IsAllowedAddress(IPAddress.Parse(address), allowLoopback));
    }

    [Theory]
    [InlineData("1.2.3.4", "1.2.3.4")]
    [InlineData("1.2.3", "1.2.0.3")]
    [InlineData("1.2", "1.0.0.2")]
    [InlineData("1", "0.0.0.1")]
    [InlineData("0x7f.0.0.01", "127.0.0.1")]
    [InlineData("4294967295", "255.255.255.255")]
    [InlineData("0x", "0.0.0.0")]
    public void TryParseIPv4Host_InetAtonForms_Parsed(string host, string expected)
    {
        Assert.True(CallbackUrlGuard.TryParseIPv4Host(host, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("4294967296")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.65536")]
    [InlineData("256.1")]
    [InlineData("08.1.1.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1..2")]
    [InlineData("example.com")]
    [InlineData("0x1g")]
    [InlineData("")]
    public void TryParseIPv4Host_NotNumeric_False(string host)
    {
        Assert.False(CallbackUrlGuard.TryParseIPv4Host(host, out _));
    }
}
