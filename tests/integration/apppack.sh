#!/bin/bash
# apppack.sh - the Chinese application pack: it defines the 36 applications
# under their exact names, each with a category; it names real TLS, DNS and
# QUIC flows of those services; and an administrator's rule file wins over
# nDPI's built-in host rules.
. "$(dirname "$0")/lib.sh"
PROTOS="$ZHULAN_DATADIR/zhulan-protos.txt"
CATS="$ZHULAN_DATADIR/zhulan-categories.txt"
APPS="Douyin Kuaishou Bilibili iQIYI Youku TencentVideo MangoTV Huya Douyu Xiaohongshu
Zhihu Toutiao Weibo Baidu BaiduNetdisk AliyunDrive Xunlei Taobao Tmall JD Pinduoduo
Meituan Alipay WeChat QQ WeCom DingTalk Feishu TencentMeeting NeteaseCloudMusic
QQMusic Kugou TencentGames NeteaseGames MiHoYo Steam"
for a in $APPS; do
	grep -q "@$a\$" "$PROTOS"; ok $? "the pack defines $a"
done

$ZLGEN agree "$WORK/agree.pcap" >/dev/null
"$ZHULAN" -q --read "$WORK/agree.pcap" --flows-json "$WORK/flows.json"
ok $? "zhulan reads the agreement capture with the pack"
app_of() { # app_of HOST -> "app category" of the first flow with that host
	$PYTHON3 -c '
import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j["host"] == sys.argv[2]:
        print(j["app"], j["category"]); break' "$1" "$2"
}
expect() { # expect HOST APP CATEGORY
	local got; got=$(app_of "$WORK/flows.json" "$1")
	[ "$got" = "$2 $3" ]; ok $? "$1 is named $2 ($3): got '$got'"
}
expect www.douyin.com TLS.Douyin Video
expect www.bilibili.com TLS.Bilibili Video
expect www.iqiyi.com TLS.iQIYI Video
expect www.taobao.com TLS.Taobao Shopping
expect www.zhihu.com TLS.Zhihu SocialNetwork
expect im.dingtalk.com TLS.DingTalk Collaborative

# An administrator's rule beats nDPI's built-in one (github.com is Github).
printf 'host:"github.com"@CountyGit\n' > "$WORK/local-protos.txt"
printf 'github.com\t%s\n' 20 > "$WORK/local-cats.txt"
base=$(app_of "$WORK/flows.json" github.com)
ok $([ "${base%% *}" = TLS.Github ]; echo $?) "without the local rule github.com is nDPI's TLS.Github (got '$base')"
"$ZHULAN" -q --read "$WORK/agree.pcap" --protos "$WORK/local-protos.txt" \
	--flows-json "$WORK/local.json"
got=$(app_of "$WORK/local.json" github.com)
ok $([ "${got%% *}" = TLS.CountyGit ]; echo $?) "with the local rule github.com is TLS.CountyGit (got '$got')"

# A broken rule file is refused with its name.
"$ZHULAN" -q --read "$WORK/agree.pcap" --protos "$WORK/missing.txt" 2>"$WORK/err"; st=$?
ok $(( st != 2 )) "a missing rule file: exit 2"
grep -q "missing.txt" "$WORK/err"; ok $? "a missing rule file is named: $(cat "$WORK/err")"
done_testing
