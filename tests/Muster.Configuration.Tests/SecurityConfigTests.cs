namespace Muster.Configuration.Tests;

public class SecurityConfigTests
{
    [Fact]
    public void Default_EncryptsWithTheDefaultKeyFile()
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal);
        Assert.True(c.Security.Encrypt);
        Assert.Equal("/etc/muster/authkey", c.Security.KeyFile);
    }

    [Fact]
    public void CryptoNone_AndAKeyFile_AreRead_AndWrittenBack()
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal + "\n[security]\ncrypto = \"none\"\nkey_file = \"/srv/k\"\n");
        Assert.False(c.Security.Encrypt);
        Assert.Equal("/srv/k", c.Security.KeyFile);
        Assert.Equal(c, ConfigLoader.Parse(ConfigWriter.Write(c), "written.toml"));
    }

    [Fact]
    public void UnknownCrypto_NamesTheKeyLineAndTheChoices()
    {
        var ex = TestConfig.Fails(TestConfig.Minimal + "\n[security]\ncrypto = \"aes128\"\n", "security.crypto", 8);
        Assert.Contains("\"aes256gcm\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"none\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeKeyFile_IsAnError()
    {
        var ex = TestConfig.Fails(TestConfig.Minimal + "\n[security]\nkey_file = \"authkey\"\n", "security.key_file", 8);
        Assert.Contains("absolute path", ex.Message, StringComparison.Ordinal);
    }
}
