//! Phrasings and evasions that the development corpus does not contain, written here so the
//! matcher is held to more than the corpus it was tuned on. Every identifier is synthetic: ID
//! numbers and cards carry valid check digits for made-up people, phones are on allocated
//! segments with made-up subscriber numbers.

use doxwatch_detect::Scanner;
use doxwatch_model::{Kind, Verdict};

/// A made-up resident ID (Beijing Dongcheng, 1987-03-15) with its MOD 11-2 check digit.
const ID: &str = "110105198703151235";
/// Another (Shenzhen Futian, 1995-08-22).
const ID2: &str = "440306199508224564";
/// A UnionPay-structured card number with a valid Luhn digit.
const CARD: &str = "6228480012345678903";

fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            c => c,
        })
        .collect()
}

#[test]
fn unseen_phrasings_get_their_verdicts() {
    let scanner = Scanner::new().unwrap();
    let cases: Vec<(String, Verdict, &[Kind])> = vec![
        (
            format!("这人叫王建国，手机一三九 一二三四 五六七八，身份证{ID}，住朝阳区建国路88号3单元502"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::IdCard, Kind::Address],
        ),
        (
            format!("開盒 王建國 身份證 {ID} 電話 139-1234-5678"),
            Verdict::Doxxing,
            &[Kind::IdCard, Kind::Phone],
        ),
        (
            format!(
                "曝光这个渣男 电话{} 身份证号{}",
                fullwidth("13912345678"),
                fullwidth(ID2)
            ),
            Verdict::Doxxing,
            &[Kind::Phone, Kind::IdCard],
        ),
        (
            format!("扒一下 ID:{} {} {} 手机 1 3 9 1 2 3 4 5 6 7 8", &ID[..6], &ID[6..14], &ID[14..]),
            Verdict::Doxxing,
            &[Kind::IdCard, Kind::Phone],
        ),
        (
            format!("刘德华的银行卡号是{CARD}，开户行招商银行，手机13812345678，身份证{ID}"),
            Verdict::Doxxing,
            &[Kind::BankCard, Kind::Phone, Kind::IdCard],
        ),
        // Locating a phone for money: `手机定位`/`实时定位` name what the lookup finds.
        (
            "手机定位 误差十米 300一次 不准不收费 tg @loc_2025".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        // A buyer correcting their own parcel details (`收货信息`, `麻烦卖家`).
        (
            "收货信息更新一下：李娜 13912345678 上海市浦东新区张江镇祖冲之路887弄12号502室，麻烦卖家改一下"
                .to_string(),
            Verdict::PiiExposure,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // Cantonese: `係` ("is") before the name, `呢個人` ("this person") pointing at it.
        (
            "呢個人係王建國，電話13912345678，住喺深圳市南山區科技園路1號2棟，大家幫手轉發"
                .to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // `各位看着办` ("you all know what to do") turns a contact card into a target.
        (
            "某某公司的HR李娟，电话13912345678，家住南京市鼓楼区中山北路30号1幢2单元301，各位看着办"
                .to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // A name, a phone in formal numerals and a call to go after the person.
        (
            "这个博主真名叫陈思思，手机壹叁玖壹贰叁肆伍陆柒捌，大家去冲".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "专业查档 户籍 开房记录 轨迹定位 机主信息 价格私聊 飞机 @chadang_888 200元一条".into(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        (
            "kaihe 代查 sgk 社工库 全网最低 tg：@sgk_vip666 USDT结算".into(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        // Sale vocabulary only (no 查档/开盒 keyword) and a WeChat contact after 薇.
        (
            "出售各地公民信息 三要素核验 身份证正反面 征信报告 银行流水 量大从优 联系薇：dx8899"
                .into(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        (
            "查档\u{200b}户籍\u{200b}开房，V：cha_dang01，一条80元".into(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Wechat],
        ),
        (
            "kai盒服务，cha档，hu籍，轨迹，dd我 tg @khservice".into(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        // A home down to the room next to a name, in another's words.
        (
            "他家就住在成都市武侯区天府大道北段1700号环球中心8栋2单元1503室，电话13512345678，名字叫刘强".into(),
            Verdict::Doxxing,
            &[Kind::Address, Kind::Phone, Kind::Name],
        ),
        // An ID number under an exposure phrase.
        (
            format!("曝光！老赖 身份证号码：{ID2} 欠钱不还"),
            Verdict::Doxxing,
            &[Kind::IdCard],
        ),
        // A name after a doxxing word and a colon, an ID whose first one is written `l`.
        (
            format!("扒皮：张伟 身份证 l{} 电话13912345678", &ID[1..]),
            Verdict::Doxxing,
            &[Kind::Name, Kind::IdCard, Kind::Phone],
        ),
        // 开盒 over a validated ID, zero-width characters inside the keyword, the name and
        // the label.
        (
            format!("开\u{200b}盒：王\u{200b}芳 身\u{200b}份\u{200b}证 {ID2}"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::IdCard],
        ),
        // A name before a field label, and before 住 and an address.
        (
            "人肉出来了，周杰，住杭州市西湖区文三路90号东部软件园3幢1单元602室".into(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Address],
        ),
        (
            format!("黑历史都在这 陈晓东 身份证{ID2} 别再装了"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::IdCard],
        ),
        // A "scammer" warning that names the person with a card and a phone still exposes
        // them.
        (
            format!("这个骗子叫孙浩，银行卡{CARD}，手机18698765432，大家曝光他"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::BankCard, Kind::Phone],
        ),
        // Sale keywords in full pinyin only, a WeChat contact.
        (
            "chadang kaihe 私聊 vx：abc12345 价格美丽".into(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        // A phone alone under calls to harass its owner.
        (
            "此人手机号 13912345678 大家一起打爆他的电话".into(),
            Verdict::Doxxing,
            &[Kind::Phone],
        ),
        // A name next to an account ID under an exposure phrase; a phone with its area group
        // in brackets.
        (
            "曝光 张伟 企鹅号 12345678 手机 +86 (139) 1234-5678".into(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Qq, Kind::Phone],
        ),
        // Several people's names and phones.
        (
            "这三个人的信息：王伟 13912345678；李娜 18698765432；张敏 15011112222".into(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        // What the dossier cost is a boast, not an offer.
        (
            format!("让你嘴臭，这下被开盒了吧：身份证{ID2}，叫高兰，总价19408元，别惹我"),
            Verdict::Doxxing,
            &[Kind::IdCard, Kind::Name],
        ),
        // A compound without a suffix and a dashed building-unit-room after the district; a
        // compound whose name ends in 区; a district whose name starts like a road (上街区);
        // a surname that is also a formal numeral (陆).
        (
            "人肉结果：陆莹，家住上海市浦东新区书香门第15-6-2401".into(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Address],
        ),
        (
            "开盒了 本名伍林 住址：杭州市西湖区幸福小区12-1-801 手机13912345678".into(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Address, Kind::Phone],
        ),
        (
            "扒出来了 叫陈刚 老家河南省郑州市上街区中心路256号融创壹号院21号楼".into(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Address],
        ),
        // Initialisms glued to their prices (`kfjl300米`), a handle that starts like one.
        (
            "轨迹定位 kfjl300米 jzxx170r一条 户j9O/条 进群 guiji5926".into(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        // A leaked table's rows with placeholder-like names whose given name is a numeral
        // (王五): the numeral is no digit of the phone after it.
        (
            format!("数据泄露 样本：\n王五,13912345678,{ID}\n赵六\t18698765432\t{ID2}"),
            Verdict::Doxxing,
            &[Kind::Phone, Kind::IdCard],
        ),
        // A lookup service described by what it looks up (`姓名查手机`, `手机查机主`).
        (
            "提供各类数据查询 身份证号查户籍 姓名查手机 手机查机主 联系QQ 12345678".into(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword],
        ),
        // Not doxxing: one's own home, a rental, a seller's own phone, news about the
        // crackdown, order numbers.
        (
            "我叫张伟，我家住在北京市朝阳区建国路1号3栋2单元501室，有事可以来找我".into(),
            Verdict::PiiExposure,
            &[Kind::Address],
        ),
        (
            "出租房源：北京市朝阳区建国路1号3栋2单元501室，联系人李先生13912345678".into(),
            Verdict::PiiExposure,
            &[Kind::Address, Kind::Phone],
        ),
        (
            "我的电话是13912345678，欢迎咨询二手房".into(),
            Verdict::PiiExposure,
            &[Kind::Phone],
        ),
        (
            "警方通报：多名开盒人员被依法刑拘，网信办开展专项行动打击非法买卖个人信息".into(),
            Verdict::None,
            &[],
        ),
        (
            "訂單號 20240315123456789012 快遞單號 SF1234567890123 已發貨".into(),
            Verdict::None,
            &[],
        ),
        // A shopping complaint that says 价格 three times is no sale ad.
        (
            "这价格真让人吐血！15日买的5398元，16日价格就到4999元，一天价格就掉400元".into(),
            Verdict::None,
            &[],
        ),
        (
            "周末去冲浪，教练很专业，大家冲鸭".into(),
            Verdict::None,
            &[],
        ),
        // A table row of name, phone, address and QQ with nothing framing it: a profile.
        (
            "信息汇总\n名字 | 电话 | 住址 | 球球\n黎明 | 13912345678 | 北京市朝阳区工体北路8号 | 55667788"
                .to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address, Kind::Qq],
        ),
        // Labels the corpus does not use: 原名, 移动电话, 居住地址, 球球, 全名, 银行帐号.
        (
            format!("扒一扒这个键盘侠\n原名：龚雪\n移动电话：13912345678\n居住地址：江苏省南京市玄武区中山路100号5栋301\n球球：12345678\n全名 龚雪 银行帐号 {CARD}"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address, Kind::Qq, Kind::BankCard],
        ),
        // A lookup service with no listed keyword: lookup phrases, a price and a contact.
        (
            "手机号查姓名身份证 50一次 加微信 dd123456".to_string(),
            Verdict::DataSaleAd,
            &[],
        ),
        (
            "需要的懂 户籍 开房 轨迹 都能搞 价格美丽 私我".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword],
        ),
        // An ad in English: lookup words, a price per search and a Telegram contact.
        (
            "Selling China data: ID lookup, phone owner info, hotel check-in records. 30U per search. TG @cnlookup_bot".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        // Sale ads without a listed keyword: lookup phrases, data-trade words, a contact.
        (
            "高价收购各类数据，实名手机号，身份信息，有货的来，飞机 @buy_data01".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        (
            "专业定位找人，只需提供手机号，当天出结果，价格面议 V：dingwei_pro".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        (
            "提供各类信息查询：姓名查电话，电话查地址，车牌查车主，QQ查手机，tg：@cx_all".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        (
            "调取个人征信、银行流水、名下房产 专业渠道 保密 联系qq 88886666".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq],
        ),
        (
            "本工作室提供人员背景调查服务，姓名+身份证即可查询，收费300元/人，VX：bg_check".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        (
            "📱机主 🏠住址 🚗车辆 🏨开房 全都能查 ✈️ @quick_info".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        // `机主本人` is the phone's owner at the counter, and `一条龙` a renovation firm's
        // full service: no sale of data.
        (
            "机主本人携带身份证到营业厅办理，客服10086".to_string(),
            Verdict::None,
            &[],
        ),
        (
            "装修一条龙服务，价格实惠，电话13912345678，微信 zx_2025".to_string(),
            Verdict::PiiExposure,
            &[Kind::Phone, Kind::Wechat],
        ),
        // A seller's own contact with a price after it: no sale of data, and the price is
        // not part of the WeChat ID (checked in `spans_of_unseen_forms`).
        (
            "新鲜一手货源，价格面议，有意者请联系 微信 abc123 50元一斤".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        // A job seeker's own details: self-disclosure, not a profile of someone else.
        (
            "毕业生求职：王磊，男，23岁，电话13812345678，邮箱wanglei@163.com，住址：武汉市洪山区珞喻路1037号".to_string(),
            Verdict::PiiExposure,
            &[Kind::Name, Kind::Phone, Kind::Email, Kind::Address],
        ),
        // A business card: the name before a job title is the contact's.
        (
            "名片：张伟 总经理 手机13912345678 邮箱zw@abc.com".to_string(),
            Verdict::PiiExposure,
            &[Kind::Name, Kind::Phone, Kind::Email],
        ),
        // Cantonese: 起底 (doxing), 呢個人 (this person), 係 (is).
        (
            format!("起底呢條友：陳大文，身份證 {ID}"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::IdCard],
        ),
        (
            "呢個人叫李志強，佢嘅電話係13912345678，大家去搵佢".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        // 「起底」 warned against in a notice: no record, no verdict.
        (
            "私隱公署提醒市民，切勿在網上「起底」他人，違者最高可被判監3年。".to_string(),
            Verdict::None,
            &[],
        ),
        // Taiwanese usage: 肉搜 (人肉), 販售個資 (selling personal data), 一筆 (per record).
        (
            format!("肉搜結果：姓名 林志明，身分證字號 {ID}"),
            Verdict::Doxxing,
            &[Kind::AdKeyword, Kind::Name, Kind::IdCard],
        ),
        (
            "販售個資，身分證、電話、地址都有，一筆50元，加賴 @data_tw".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        // Unboxing a blind box, sold on: 开盒 is opening a box here.
        (
            "今天拆了三个盲盒，开盒视频已上传，隐藏款到手！想要的私我，价格50元".to_string(),
            Verdict::None,
            &[],
        ),
        // A third person pointed at (`那个人`, `这人叫`) with a name and identifiers.
        (
            "楼主说的那个人我知道，叫刘海洋，住在河南省周口市太康县马头镇王庄村3组，电话15037012345".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Address, Kind::Phone],
        ),
        (
            format!("这人叫吴昊，银行卡{CARD}，手机13700001111"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::BankCard, Kind::Phone],
        ),
        // `扒一扒`, `这货`, `这个女人`, `他家地址`: more ways to point at the person exposed.
        (
            "扒一扒这个骗子：李华 电话：幺三八 拐勾两三 四五六洞".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "这货叫韩梅梅，手机号码: 1 3 9 1 2 3 4 5 6 7 8，在深圳南山区上班".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "@所有人 这个女人 赵敏 130 1234 5678 家在成都市武侯区人民南路四段12号".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        (
            "孙悟空他家地址 南京市鼓楼区中山路100号 电话139 8765 4321 大家冲".to_string(),
            Verdict::Doxxing,
            &[Kind::Address, Kind::Phone],
        ),
        // Three keywords and no word of reporting: a listing. With one (`怎么办`) it is a
        // question about the trade.
        (
            "开盒 查档 户籍 秒出 要的私".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword],
        ),
        (
            "开盒、查档、户籍信息泄露怎么办？专家支招".to_string(),
            Verdict::None,
            &[],
        ),
        // A set's price is no price per record: a second-hand sale, a watch.
        (
            "二手书出售 一套30 要的私 微信 book_2024".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        (
            "跑步轨迹 定位准确 这个手表一套399 需要的私".to_string(),
            Verdict::None,
            &[],
        ),
        // Keywords in pinyin and initials and a name of Telegram, the handle left out.
        (
            "kh 查dang 户ji 机主 x息 联系tg".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword],
        ),
        // Location tracking offered with a WeChat contact, no keyword of the list.
        (
            "提供手机号定位服务 实时位置 准确率百分百 V:dingwei168 价格面议".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        // `微❤:` as a WeChat label; a lookup service with a price.
        (
            "精准定位，手机号查机主，500一次，微❤: abc_8888".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        // A campus dormitory as a home address.
        (
            "宿舍在华中科技大学东区宿舍12栋305，叫马超，电话13812345678，大家去问候他".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // A name, a phone and a street address with nothing framing them: a profile.
        (
            "【挂】某宝差评师 王德发 收货地址：江苏省无锡市梁溪区中山路333号 电话 13951234567".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Address, Kind::Phone],
        ),
        (
            "这个出轨的男人叫蒋文，老婆都不知道，电话 177 1234 5678，住在合肥市蜀山区长江西路200号".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // The same with the framing of a rental or of lost and found stays the person's own.
        (
            "合租 房东刘畅 13912345678 看房地址北京市朝阳区建国路88号".to_string(),
            Verdict::PiiExposure,
            &[Kind::Phone, Kind::Address],
        ),
        (
            "捡到钱包一个，失主请联系王芳 13812345678，领取地址：杭州市西湖区文三路478号".to_string(),
            Verdict::PiiExposure,
            &[Kind::Phone, Kind::Address],
        ),
        // A name after a copula (`就是赵强`), a doxxing keyword over it.
        (
            "楼上说的对，这人就是赵强，电话一三八一二三四五六七八，我有他开房记录".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        // `公司` inside a hostile phrase (`去她公司闹`) is no business context.
        (
            "渣女 邓丽丽 微信 denglili88 手机 18812345678 公司：某某科技 大家去她公司闹".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Wechat, Kind::Phone],
        ),
        // Everyday words that hold a keyword (`查档案`, `坐飞机`), with a price or a contact.
        (
            "查档案要去人社局，档案费20元一次".to_string(),
            Verdict::None,
            &[],
        ),
        (
            "明天坐飞机去北京，机票800元一张，有同行的加我微信 travel_88".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        // Sale ads in other words: records of chats and messages, secrecy, a studio.
        (
            "代查：微信聊天记录、通话记录、短信记录，1500一条，保密 电报 cha_jilu".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        (
            "各位老板，本工作室提供开盒服务，出结果快，保密，加企鹅 1234567890".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq, Kind::AdKeyword],
        ),
        // A request to hunt someone down with their phone, no full name; a call to add them.
        (
            "求人肉：昨天在地铁偷拍的男子，有人认识吗？电话好像是13812345678，姓王".to_string(),
            Verdict::Doxxing,
            &[Kind::Phone],
        ),
        (
            "她的微信是 lili_1990，手机13612345678，名字叫李丽，大家加她问问".to_string(),
            Verdict::Doxxing,
            &[Kind::Wechat, Kind::Phone, Kind::Name],
        ),
        // A group buy's pick-up point is the organiser's own address.
        (
            "团购群主：周敏 13812345678 提货点：武汉市洪山区珞喻路1037号".to_string(),
            Verdict::PiiExposure,
            &[Kind::Phone, Kind::Address],
        ),
        // A doxxing word over a name and an account.
        (
            "开盒：刘洋 支付宝账号 liuyang@163.com".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Email],
        ),
        // A private investigator's lookups of a spouse's calls and hotel stays.
        (
            "查老婆出轨 查通话记录 查开房 微信 zhentan_001".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        // An ad in Taiwan's words: `個資`, `身分證字號`, a price per record (`一筆50元`).
        (
            "販售個資 身分證字號 手機號碼 地址 一筆50元 加LINE: data_tw88".to_string(),
            Verdict::DataSaleAd,
            &[],
        ),
        // A person exposed by their role (a landlord, an agent, a shop owner): the role is no
        // self-disclosure, and the name after it is read.
        (
            "这个黑心房东叫王建国，电话13812345678，大家曝光他".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "无良中介刘强，手机13912345678，坑了我两万押金，扩散".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "曝光黑心商家老板陈伟 电话13712345678 家住杭州市西湖区文三路478号2栋301".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // `骗子` names the person exposed as often as it warns against sellers: alone it is
        // neither hostile nor reporting. Calling the trade a scam (`都是骗子`, `被骗`) reports;
        // `揭发`, `这个骗子`, `老赖` expose.
        (
            "揭发骗子 姓名：刘德明 手机：13800138000 地址：广州市天河区天河路385号".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        (
            "骗子 姓名：刘德明 手机：13800138000 地址：广州市天河区天河路385号".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        (
            "揭發 姓名：劉德明 手機：13800138000".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "网上说能查开房记录的都是骗子，被骗了1500块".to_string(),
            Verdict::None,
            &[],
        ),
        // A one-numeral given name right after a label and its colon (`钱七`, `赵六`).
        (
            "名字：钱七；手机：13812345678；地址：深圳市福田区福华路88号；备注：欠钱不还".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        (
            "今天周一，明天周二，手机13812345678".to_string(),
            Verdict::PiiExposure,
            &[Kind::Phone],
        ),
        // The employer's field of a dossier is not the poster's own business.
        (
            "【信息】\n姓名：赵六\n电话：13812345678\n住址：广州市天河区体育西路103号\n工作单位：某某公司".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // A price per set where personal data is the merchandise; not for books.
        (
            "出售个人信息 身份证正反面 一套80 联系qq 123456".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq],
        ),
        (
            "出料子 全国户籍 一套30 要的私".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword],
        ),
        (
            "二手书出售 一套30 要的私 微信 book_2024".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        (
            "出售考研资料 一套50 私聊 qq 123456".to_string(),
            Verdict::PiiExposure,
            &[Kind::Qq],
        ),
        // Any word that names personal data as the merchandise (`三要素`, `聊天记录`), not
        // only the ones with `信` or `资` in them, with a Telegram contact and a set price.
        (
            "出三要素 一套50 飞机 @sys_2026".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        (
            "出聊天记录 每套 80 私我 飞机 @chat_66".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        (
            "出售茶具 一套120 需要的私 微信 tea_2024".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        // One lookup of personal data (`查地址`) with a price and a Telegram contact.
        (
            "全国快递单号查地址 20U一条 纸飞机 @kd_data".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        // Sending readers after a named person (`大家去问问她`, `她单位`) is hostile.
        (
            "张三的老婆：王小丽，13912345678，她单位在市一医院，大家去问问她".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        // Two keywords written as a homophone and initials, a sale word and a contact.
        (
            "社公库 人R 秒出 ➕V：sgk_777".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Wechat],
        ),
        // A GPS tracker's features are no lookup service.
        (
            "GPS定位器 轨迹回放 出售 微信 gps_2024".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        // A field label on the line a hostile label opens is the dossier's, not the poster's
        // business (`真实身份：…，公司地址…`).
        (
            "网名\"小飞侠\"的真实身份：郑凯，电话13912345678，公司地址杭州市滨江区网商路699号".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // A lookup service that names what the buyer gives and gets, with a contact; an offer
        // written in English with a price per record and a Telegram contact.
        (
            "查人找人 全国范围 只需提供手机号 即可查出本人身份证和住址 v：zhaoren_666".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        (
            "Selling Chinese ID data: 身份证+姓名+手机 三件套 $5/条 TG: @cn_data_shop".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        // `滴滴` (ping me) and `🚗` for `车` in an ad; a laptop for sale is no offer of data
        // (`出售` and `价格私聊` are two sale words, not the five words inside them).
        (
            "出 全国 各地 户籍照片 高清 秒出 需要滴滴 ➕V：hj_pic_88".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Wechat],
        ),
        (
            "接🉑查 开🈵记录 🚗主信息 私我 tg@kf_888".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        (
            "出售二手笔记本电脑 i7 16G 价格私聊 微信 laptop_2024".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        // Data as `料` (`实名料`), hotel records by their fields (`同住人`, `入住时间`), parcel
        // labels and order data as goods.
        (
            "各类资源 号码段 实名料 全新料 新鲜出炉 需要的老板 找我 tg @liao_2026".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        (
            "男女开房记录 同住人 入住时间 酒店名 秒出 需要 +q 123456789".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Qq],
        ),
        (
            "快递面单 电商订单数据 一手货源 日更十万 tg @order_data".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        // `微` as a word of its own before an ID; a Telegram bot that looks people up; a
        // made-to-order lookup paid only on success.
        (
            "寻找失联人员 专业寻人 手机号定位 当天出结果 微 find_ren88".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        (
            "SGK在线 输入手机号即出 姓名身份证地址 bot: @sgk_cn_bot".to_string(),
            Verdict::DataSaleAd,
            &[Kind::AdKeyword, Kind::Telegram],
        ),
        (
            "私人订制查询 你想知道的都能查到 不成功不收费 Q：123456789".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq],
        ),
        (
            "稍微 abc 微博 wb_2024 李小微 lxw_88".to_string(),
            Verdict::None,
            &[],
        ),
        // Shops speak the trade's language too: without a keyword, an offer must name personal
        // data or two lookups as its goods.
        (
            "一站式装修服务 私人订制 价格美丽 需要的老板滴滴我 微信 zx_home88".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        (
            "考研资料 全套 一站式服务 可定制 价格美丽 tg @kaoyan_2026".to_string(),
            Verdict::None,
            &[],
        ),
        // A data word inside a service's name is no data for sale (`数据恢复`, `聊天记录恢复`).
        (
            "数据恢复 误删聊天记录恢复 手机维修 价格私聊 微信 fix_phone88".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        // `扣` alone labels a QQ number right before it; not a deduction.
        (
            "扣1234567890 查档 户籍 秒出".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq, Kind::AdKeyword],
        ),
        (
            "工资被扣了13800元 扣款 50000 元".to_string(),
            Verdict::None,
            &[],
        ),
        // A Cantonese doxxing service (`搵人` is folded like the text it is matched on).
        (
            "起底服務 查人 搵人 快靚正 電報 @hk_qidi".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        // A dossier opening with the name and the sex.
        (
            format!("王建国，男，1987年3月15日生，身份证{ID}，住北京市朝阳区建国路88号3单元502"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::IdCard, Kind::Address],
        ),
        // A name pointed at (`这个人`, `这货`), after a hostile word and `一下`.
        (
            "曝光一下张建华这个人，手机13912345678".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "王强这货 欠钱不还 13912345678".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "说实话这个人不错 13912345678".to_string(),
            Verdict::PiiExposure,
            &[Kind::Phone],
        ),
        // Naming the scammer exposes the person.
        (
            format!("骗子叫孙悟空，银行卡{CARD}"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::BankCard],
        ),
        // `稍微` and a name ending in `微` are no WeChat label.
        (
            "稍微 iphone12 便宜点，李小微 13912345678".to_string(),
            Verdict::PiiExposure,
            &[Kind::Phone],
        ),
        // `本人` right before a name introduces the poster; with a colon it labels a field.
        (
            "本人刘洋，手机13912345678，承接家电维修，地址北京市朝阳区建国路88号3号楼501".to_string(),
            Verdict::PiiExposure,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        (
            "本人：刘洋 手机13912345678 家住北京市朝阳区建国路88号3号楼501".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // Wanted and missing-person notices publish an ID with a name and a phone.
        (
            format!("悬赏通告：犯罪嫌疑人刘洋，男，身份证号{ID}，如有线索请联系13912345678"),
            Verdict::PiiExposure,
            &[Kind::IdCard, Kind::Phone],
        ),
        (
            format!("寻人启事：刘洋，男，35岁，身份证{ID}，请知情者联系其家属13912345678"),
            Verdict::PiiExposure,
            &[Kind::IdCard, Kind::Phone],
        ),
        // A name and a phone under new hostile words (避雷, 跑路, 看清楚, 拉黑他, 你等着).
        (
            "避雷！这个中介刘洋，电话13912345678，收了定金就跑路".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        (
            "网暴我的人找到了，刘洋，13912345678，你等着".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone],
        ),
        // A duty roster lists several people's phones.
        (
            "值班表：周一 刘洋 13912345678；周二 王芳 13812345678；周三 李娜 13712345678".to_string(),
            Verdict::PiiExposure,
            &[Kind::Name, Kind::Phone],
        ),
        // A shop's return address.
        (
            "退货地址：北京市朝阳区建国路88号3号楼501 刘洋 13912345678，请备注订单号".to_string(),
            Verdict::PiiExposure,
            &[Kind::Address, Kind::Name, Kind::Phone],
        ),
        // A buyer's own shipping details.
        (
            "发货信息：刘洋 13912345678 北京市朝阳区建国路88号3号楼501 麻烦尽快发货".to_string(),
            Verdict::PiiExposure,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // An ID posted at a tagged user with a threat.
        (
            format!("@刘洋 你不是很能说吗 你的身份证{ID} 我已经发到群里了 等着吧"),
            Verdict::Doxxing,
            &[Kind::IdCard],
        ),
        // The hotels of a dossier's check-ins are no shop (`店` in `酒店`).
        (
            "这个键盘侠终于被我们扒出来了 打这个13912345678 KFJL：2025-05-17 7天连锁酒店，3月6日 速8酒店".to_string(),
            Verdict::Doxxing,
            &[Kind::Phone],
        ),
        // An everyday compound of a keyword with a shop's words and a contact.
        (
            "户籍迁移 落户政策咨询 积分入户代办 专业团队 价格透明 微信 luohu_sz88".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        // Records of travel and banks as the goods; 🐧 for QQ.
        (
            "航班记录 火车票记录 出入境记录 查询 价格合理 飞机 @travel_rec".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        (
            "银行卡开户信息 开户行 余额 流水 全可查 私信咨询 ✈ @bank_check1".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Telegram],
        ),
        (
            "全国开房记录 同住人 一次100 联系 🐧 1234567890".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq],
        ),
        // A scammer named after a colon; a former partner with a call to abuse him.
        (
            format!("骗子：上官燕 银行卡{CARD} 手机13912345678"),
            Verdict::Doxxing,
            &[Kind::Name, Kind::BankCard, Kind::Phone],
        ),
        (
            "这是我前男友李明，现在住在北京市朝阳区建国路88号3号楼501，电话13912345678，大家帮我骂他"
                .to_string(),
            Verdict::Doxxing,
            &[Kind::Phone, Kind::Address],
        ),
        // One's own ID card, consented to in one's own name (`本人…自愿`).
        (
            format!("本人王建国，身份证{ID}，手机13912345678，自愿办理退保手续"),
            Verdict::PiiExposure,
            &[Kind::Name, Kind::IdCard, Kind::Phone],
        ),
        // A space inside the name after a label of two characters or more, with no colon.
        (
            "名字叫张 伟，手机13912345678，住北京市朝阳区建国路88号3号楼".to_string(),
            Verdict::Doxxing,
            &[Kind::Name, Kind::Phone, Kind::Address],
        ),
        // No keyword: kinds of personal record listed beside a lookup or sale word are the
        // goods (`一查便知`, `可查：`, `调取`, `出`).
        (
            "全国手机号 身份证 住址 银行卡 一查便知 微信 cx_2026_a".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        (
            "可查：户口 开房 航班 高铁 车辆 房产 婚姻 学历 👉🏻 V：cha_888".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Wechat],
        ),
        (
            "调取 通话详单/短信/微信聊天记录 加急当天出 QQ 1234567890".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq],
        ),
        (
            "出 手机号 身份证 住址 全套 价格私聊 QQ 123456789".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq],
        ),
        // Words of the list's reach between the sale word and the list (`全国`, `一手`).
        (
            "出售全国车主数据 手机号 身份证 住址 一手货源 加q 123456789".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Qq],
        ),
        // A phone given as the WeChat account is a way to buy.
        (
            "提供各类背调服务 婚前调查 查人背景 资产调查 微信同号 13912345678".to_string(),
            Verdict::DataSaleAd,
            &[Kind::Phone],
        ),
        // Lists that are no catalogue: a travel agent's (no kind about a person), a form's
        // (what to fill in), a lookup word apart from the list, one's own accounts.
        (
            "机票 火车票 住宿 均可查询预订 微信 trip_2024".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        (
            "注册需要填写 姓名 手机号 身份证 可查询进度 QQ 123456789".to_string(),
            Verdict::PiiExposure,
            &[Kind::Qq],
        ),
        (
            "信用卡办理需要：身份证、银行卡、手机号，额度查询请加微信 card_help".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
        (
            "社保 公积金 医保 查询 代缴 微信 hr_2024".to_string(),
            Verdict::PiiExposure,
            &[Kind::Wechat],
        ),
    ];
    let mut failures = Vec::new();
    for (text, verdict, kinds) in &cases {
        let r = scanner.scan(text);
        let found: Vec<Kind> = r.findings.iter().map(|f| f.kind).collect();
        let missing: Vec<&Kind> = kinds.iter().filter(|k| !found.contains(k)).collect();
        if r.verdict != *verdict || !missing.is_empty() {
            failures.push(format!(
                "{text}\n    verdict {:?} (want {verdict:?}), missing {missing:?}, reasons {:?}",
                r.verdict, r.reasons
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Exact spans where a near miss would still give the right kinds: keyword against handle,
/// a name with a zero-width character inside, a suffixless compound's address.
#[test]
fn spans_of_unseen_forms() {
    let scanner = Scanner::new().unwrap();
    let cases: &[(&str, &[(Kind, &str)])] = &[
        (
            "轨迹定位 kfjl300米 进群 guiji5926",
            &[
                (Kind::AdKeyword, "轨迹"),
                (Kind::AdKeyword, "kfjl"),
                (Kind::Telegram, "guiji5926"),
            ],
        ),
        (
            "开盒 查档 下单找 cd_ming93 200元一条",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::AdKeyword, "查档"),
                (Kind::Telegram, "cd_ming93"),
            ],
        ),
        (
            "开盒：王\u{200b}芳 身份证 440306199508224564",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "王\u{200b}芳"),
                (Kind::IdCard, "440306199508224564"),
            ],
        ),
        // A role before a contact's label is no name (`家长电话`), a noun after a name label
        // and its colon is one (`姓名：金花`); `住` alone labels a home.
        (
            "初二3班 王小明 身份证110105201003071239 家长电话13912345678 住幸福小区5栋2单元301",
            &[
                (Kind::Name, "王小明"),
                (Kind::IdCard, "110105201003071239"),
                (Kind::Phone, "13912345678"),
                (Kind::Address, "幸福小区5栋2单元301"),
            ],
        ),
        (
            "姓名：金花 单位电话13912345678",
            &[(Kind::Name, "金花"), (Kind::Phone, "13912345678")],
        ),
        // A record's row without its header row: a cell that is a name alone, or the first
        // cell's last words after a sentence's end.
        (
            "你不是很狂吗？朱军 | wxid_7lnmzhevnjt | 13912345678",
            &[
                (Kind::Name, "朱军"),
                (Kind::Wechat, "wxid_7lnmzhevnjt"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        (
            "110105199003071239 | 13912345678 | 李淑珍，这就是网暴别人的下场",
            &[
                (Kind::IdCard, "110105199003071239"),
                (Kind::Phone, "13912345678"),
                (Kind::Name, "李淑珍"),
            ],
        ),
        // A plain word glued to a sale word is no Telegram handle (`可定制logo`, `USDT`).
        (
            "查档 户籍 可定制logo 量大从优 USDT结算 tg @cd_2026",
            &[
                (Kind::AdKeyword, "查档"),
                (Kind::AdKeyword, "户籍"),
                (Kind::AdKeyword, "tg"),
                (Kind::Telegram, "@cd_2026"),
            ],
        ),
        // A dash or a space between the surname and the given name after a label and its
        // colon (`姓名：王-芳`).
        (
            "姓名：王-芳，电话：139-1234-5678，住址：上海市徐汇区漕溪北路88号",
            &[
                (Kind::Name, "王-芳"),
                (Kind::Phone, "139-1234-5678"),
                (Kind::Address, "上海市徐汇区漕溪北路88号"),
            ],
        ),
        // `叫` in everyday speech with no identifier anywhere labels no name.
        ("我家的狗叫查理，邻居家的叫乔治，现在才知道什么叫后悔", &[]),
        // A WeChat id split by a space, the halves letters only.
        (
            "开盒：李华 vx是wxid_4teq pmxedcdvjs 手机13912345678",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "李华"),
                (Kind::Wechat, "wxid_4teq pmxedcdvjs"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        (
            "陆莹，家住上海市浦东新区书香门第15-6-2401",
            &[
                (Kind::Name, "陆莹"),
                (Kind::Address, "上海市浦东新区书香门第15-6-2401"),
            ],
        ),
        // A name on the line above its identifiers, an ID on the line below its label.
        (
            "开盒 许晴\n电话：13912345678\n身份证\n440306199508224564",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "许晴"),
                (Kind::Phone, "13912345678"),
                (Kind::IdCard, "440306199508224564"),
            ],
        ),
        // A name right after a context word (`骗子马涛`).
        (
            "扩散 骗子马涛 身份证110105198703151235 电话18698765432 大家小心",
            &[
                (Kind::Name, "马涛"),
                (Kind::IdCard, "110105198703151235"),
                (Kind::Phone, "18698765432"),
            ],
        ),
        // A sale word before a space is no name label (`户籍 加群`).
        (
            "查档 户籍 加群 t.me/joinchat/AbCdEf12345",
            &[
                (Kind::AdKeyword, "查档"),
                (Kind::AdKeyword, "户籍"),
                (Kind::Telegram, "t.me/joinchat/AbCdEf12345"),
            ],
        ),
        // E-mails with a spaced `@` and dot, `小老鼠` and `圈a` for the sign.
        (
            "开盒 周涛 邮箱 zhoutao88 @ 163 . com 备用 zt99小老鼠qq点com 还有 zt77圈a126.com 手机18698765432",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "周涛"),
                (Kind::Email, "zhoutao88 @ 163 . com"),
                (Kind::Email, "zt99小老鼠qq点com"),
                (Kind::Email, "zt77圈a126.com"),
                (Kind::Phone, "18698765432"),
            ],
        ),
        // The sign defanged (`[@]`, `[.]`), as `(a)` and in angle brackets.
        (
            "邮箱 zt01[@]qq[.]com 备用 zt02(a)163.com 还有 zt03<at>sina.com",
            &[
                (Kind::Email, "zt01[@]qq[.]com"),
                (Kind::Email, "zt02(a)163.com"),
                (Kind::Email, "zt03<at>sina.com"),
            ],
        ),
        // A leak dump's line, fields between rows of dashes (`----`): the name, the e-mail
        // without the dashes on either side, an age beside the numbers.
        (
            "曝光 张伟----28----li88@hotmail.com----13912345678----32010219900101234X",
            &[
                (Kind::Name, "张伟"),
                (Kind::Email, "li88@hotmail.com"),
                (Kind::Phone, "13912345678"),
                (Kind::IdCard, "32010219900101234X"),
            ],
        ),
        ("邮箱 li88@qq.com----abc", &[(Kind::Email, "li88@qq.com")]),
        // Zero-width characters inside the written-out sign, around its spaces and the dots'.
        (
            "邮箱 zt04(a\u{200b})qq.com 备用 zt05 @ \u{200d}sina .\u{200d} com 还有 zt06 at\u{200c} 126.com",
            &[
                (Kind::Email, "zt04(a\u{200b})qq.com"),
                (Kind::Email, "zt05 @ \u{200d}sina .\u{200d} com"),
                (Kind::Email, "zt06 at\u{200c} 126.com"),
            ],
        ),
        // A WeChat ID's inserted space with a zero-width character before it; a label ending a
        // line that one bar splits into two fields (no table: a table's row has two bars).
        ("加微信 yan\u{200b} 959638，谢谢", &[(Kind::Wechat, "yan\u{200b} 959638")]),
        (
            "更新一下|这人冒名发帖，微信\nming60-4515",
            &[(Kind::Wechat, "ming60-4515")],
        ),
        // Telegram links with spaces or `点` in them.
        (
            "开盒 社工库 联系 t点me/kaihe_888 或 https://t . me / sgk_2024",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::AdKeyword, "社工库"),
                (Kind::Telegram, "t点me/kaihe_888"),
                (Kind::Telegram, "https://t . me / sgk_2024"),
            ],
        ),
        // WeChat ids with an emoji or a dot inserted; not across into a label or a domain.
        (
            "开盒 刘洋 手机13912345678 vx: liu😊yang-2020 微信 du.juan_1990、QQ 3456789012",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "刘洋"),
                (Kind::Phone, "13912345678"),
                (Kind::Wechat, "liu😊yang-2020"),
                (Kind::Wechat, "du.juan_1990"),
                (Kind::Qq, "3456789012"),
            ],
        ),
        // A number shared by QQ and WeChat is a QQ number; a name after `就是他，`.
        (
            "对，就是他，张志强\nQQ/微信同号 2876543210",
            &[(Kind::Name, "张志强"), (Kind::Qq, "2876543210")],
        ),
        // `本人` labels a name only in a post with an identifier.
        ("本人承诺按时完成", &[]),
        (
            "本人王芳，身份证110105198703151235遗失，声明作废",
            &[(Kind::Name, "王芳"), (Kind::IdCard, "110105198703151235")],
        ),
        // A community and a subdistrict named after roads, with province names in the roads.
        (
            "家住南京市鼓楼区湖南路街道山西路社区云南路31号",
            &[(Kind::Address, "南京市鼓楼区湖南路街道山西路社区云南路31号")],
        ),
        // Zero-width characters around names and their markers; none makes a word a name.
        (
            "孙丽娟\u{2060}就\u{200c}是他 手机13912345678（\u{200c}阳杰） 黄岩\u{200b}阿姨 本店\u{feff}新开业，大\u{200d}家看看",
            &[
                (Kind::Name, "孙丽娟"),
                (Kind::Phone, "13912345678"),
                (Kind::Name, "阳杰"),
                (Kind::Name, "黄岩"),
            ],
        ),
        // Zero-width characters inside a dashed or bare room number and inside an IP address.
        (
            "家住广州市天河区人民路231号15号楼2\u{feff}60\u{2060}5 或 重庆市渝北区怡景苑9-2\u{feff}-2901 服务器 178.128.2\u{200d}3\u{feff}3\u{200b}.71",
            &[
                (Kind::Address, "广州市天河区人民路231号15号楼2\u{feff}60\u{2060}5"),
                (Kind::Address, "重庆市渝北区怡景苑9-2\u{feff}-2901"),
            ],
        ),
        // Emoji inside words separate nothing: no name in `欢迎👉来玩`, no handle in
        // `Tele🙏gram`, a price unit after `/📌`.
        (
            "本店开业，欢迎👉来玩，电话13912345678；交易通过飞机（Tele🙏gram）进行 查档 ｊｚｘｘ6O/📌条",
            &[
                (Kind::Phone, "13912345678"),
                (Kind::AdKeyword, "飞机"),
                (Kind::AdKeyword, "Tele🙏gram"),
                (Kind::AdKeyword, "查档"),
                (Kind::AdKeyword, "ｊｚｘｘ"),
            ],
        ),
        // A QQ label glued to its number; no place name across punctuation (`五、常住` is no
        // 五常).
        (
            "QQ558417 和 QQ⑨⑥⑥⑨⑦③⑥⑨⑧③，电话一八五两五八四九五、常住地址天水市 秦安县 李楼镇 高庄村5组44号",
            &[
                (Kind::Qq, "558417"),
                (Kind::Qq, "⑨⑥⑥⑨⑦③⑥⑨⑧③"),
                (Kind::Address, "天水市 秦安县 李楼镇 高庄村5组44号"),
            ],
        ),
        // A table row's last cell ends at sentence punctuation; a full stop after an e-mail.
        (
            "姓名 | QQ\n张娟 | ５９５ ５３２ ３５１。他女朋友黄强（18297851875）。邮箱 houqiang_91#126.com。Name",
            &[
                (Kind::Name, "张娟"),
                (Kind::Qq, "５９５ ５３２ ３５１"),
                (Kind::Name, "黄强"),
                (Kind::Phone, "18297851875"),
                (Kind::Email, "houqiang_91#126.com"),
            ],
        ),
        // A road named after a town word (`北镇街`); nothing after the room.
        (
            "老家湖北省雷市和平区北镇街232号",
            &[(Kind::Address, "湖北省雷市和平区北镇街232号")],
        ),
        (
            "房屋出租：北京市朝阳区怡景苑24-5-202 两室一厅",
            &[(Kind::Address, "北京市朝阳区怡景苑24-5-202")],
        ),
        // A building named by a letter and digits.
        (
            "家住武汉市武昌区中南路7号中商广场B2座2108",
            &[(Kind::Address, "武汉市武昌区中南路7号中商广场B2座2108")],
        ),
        // A spaced group that starts with letters standing for digits.
        ("手机 l39 OOl2 3OOO", &[(Kind::Phone, "l39 OOl2 3OOO")]),
        // Letters standing alone for digits in a number spaced out one character a group,
        // at its start, inside and at its end; glued to a country code; before the check `X`;
        // behind a zero-width character.
        (
            "身份证 4 4 O 3 O 6 l 9 9 O O 3 l 5 l 2 3 2",
            &[(Kind::IdCard, "4 4 O 3 O 6 l 9 9 O O 3 l 5 l 2 3 2")],
        ),
        ("手机 I 3 9 I 2 3 4 5 6 7 8", &[(Kind::Phone, "I 3 9 I 2 3 4 5 6 7 8")]),
        ("手机 1 3 9 1 2 3 4 5 6 7 I、", &[(Kind::Phone, "1 3 9 1 2 3 4 5 6 7 I")]),
        ("电话Oo8六 一９⓪２肆贰o⑧３⑨⑨", &[(Kind::Phone, "Oo8六 一９⓪２肆贰o⑧３⑨⑨")]),
        ("身份证 44030619900315I1IX", &[(Kind::IdCard, "44030619900315I1IX")]),
        ("手机 l\u{200b}39 1234 5678", &[(Kind::Phone, "l\u{200b}39 1234 5678")]),
        (
            "QQ：③5一壹７三I\u{2060}l\n",
            &[(Kind::Qq, "③5一壹７三I\u{2060}l")],
        ),
        // A card number that fails Luhn, in numerals, holds no phone in its last groups.
        ("燃气户号：六七三九 七一三八 一七八二 一六九九 二九八", &[]),
        // A letter apart from a number of groups is the prose's.
        ("手机 139 1234 5678 I", &[(Kind::Phone, "139 1234 5678")]),
        ("手机 I 13912345678", &[(Kind::Phone, "13912345678")]),
        // Cyrillic and Greek letters that look like digits (`З` for 3, `Ο` for 0).
        ("手机 1З9 1234 5678", &[(Kind::Phone, "1З9 1234 5678")]),
        ("身份证 11Ο1Ο5199ΟΟ3Ο71239", &[(Kind::IdCard, "11Ο1Ο5199ΟΟ3Ο71239")]),
        // Separators written as words inside a number.
        (
            "手机 139空格1234横杠5678",
            &[(Kind::Phone, "139空格1234横杠5678")],
        ),
        // Numbers labelled as a student card, a patient or an application number.
        ("学生证号 510107198811204426 病历号 13912345678", &[]),
        // A property certificate and a vehicle identification number.
        ("房产证号 110105199003071239 车架号 13912345678", &[]),
        // Digits inside a link written without its scheme are no identifier.
        ("详情见 www.example.com/item/110105198703151235 和 weibo.com/u/13912345678", &[]),
        // A name of Telegram before `号` is the name alone; `tele` and `🛫` are names of it.
        (
            "社工库 开盒 飞机号：sgk_vip888 或 tele @huji_8899 或 🛫 @cd_2025",
            &[
                (Kind::AdKeyword, "社工库"),
                (Kind::AdKeyword, "开盒"),
                (Kind::AdKeyword, "飞机"),
                (Kind::Telegram, "sgk_vip888"),
                (Kind::AdKeyword, "tele"),
                (Kind::Telegram, "@huji_8899"),
                (Kind::AdKeyword, "🛫"),
                (Kind::Telegram, "@cd_2025"),
            ],
        ),
        // A compound placed from a road crossing, and a distance along a road.
        (
            "住址：郑州市金水区花园路与农业路交叉口东北角锦艺城3号楼2单元1102，家住广州市天河区天河路往北50米天河小区5栋302",
            &[
                (Kind::Address, "郑州市金水区花园路与农业路交叉口东北角锦艺城3号楼2单元1102"),
                (Kind::Address, "广州市天河区天河路往北50米天河小区5栋302"),
            ],
        ),
        // Buildings named by letters and digits with a dash, or a digit and a letter.
        (
            "地址：深圳市南山区科技园南区R2-B栋3楼；住在杭州市西湖区文一路115号3A栋1201室",
            &[
                (Kind::Address, "深圳市南山区科技园南区R2-B栋3楼"),
                (Kind::Address, "杭州市西湖区文一路115号3A栋1201室"),
            ],
        ),
        // An e-mail's signs in lenticular and tortoise-shell brackets.
        (
            "邮箱 zhangwei【at】163【dot】com 或 zw〔at〕qq〔dot〕com",
            &[
                (Kind::Email, "zhangwei【at】163【dot】com"),
                (Kind::Email, "zw〔at〕qq〔dot〕com"),
            ],
        ),
        // Given names with a numeral (张三丰, 李一鸣); a weekday and a numeral before a
        // number are none.
        (
            "曝光 张三丰 身份证 110105198703151235；李一鸣 13912345678；周一 13812345678",
            &[
                (Kind::Name, "张三丰"),
                (Kind::IdCard, "110105198703151235"),
                (Kind::Name, "李一鸣"),
                (Kind::Phone, "13912345678"),
                (Kind::Phone, "13812345678"),
            ],
        ),
        // Cantonese `係` (is) before an address is not part of it.
        (
            "佢個地址係廣州市天河區天河路385號3棟502",
            &[(Kind::Address, "廣州市天河區天河路385號3棟502")],
        ),
        // A price after a WeChat ID is not more of the ID.
        (
            "有意者请联系 微信 abc123 50元一斤",
            &[(Kind::Wechat, "abc123")],
        ),
        // A dashed house number with its suffix, and a road's part named by a direction.
        (
            "地址：广西南宁市青秀区民族大道136-5号华润大厦C座2501；佛山市南海区桂城街道南海大道北55号",
            &[
                (Kind::Address, "广西南宁市青秀区民族大道136-5号华润大厦C座2501"),
                (Kind::Address, "佛山市南海区桂城街道南海大道北55号"),
            ],
        ),
        // Sex and age between a name and its record.
        (
            "张伟 男 35岁 13812345678 北京市朝阳区建国路88号3单元502",
            &[
                (Kind::Name, "张伟"),
                (Kind::Phone, "13812345678"),
                (Kind::Address, "北京市朝阳区建国路88号3单元502"),
            ],
        ),
        // Keycap digits: the span ends with the last keycap, not inside it.
        (
            "电话 1️⃣3️⃣9️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣",
            &[(Kind::Phone, "1️⃣3️⃣9️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣")],
        ),
        // A numbered list: the next item's number is not the phone's twelfth digit.
        (
            "名单：1. 王磊 13912345678 2. 李娜 15812345678 3、赵强",
            &[
                (Kind::Name, "王磊"),
                (Kind::Phone, "13912345678"),
                (Kind::Name, "李娜"),
                (Kind::Phone, "15812345678"),
            ],
        ),
        // A comment thread: the next comment's floor number is not the phone's twelfth digit.
        (
            "1楼：这人是谁？ 2楼：叫刘强，13512345678 3楼：家在天津市南开区卫津路94号",
            &[
                (Kind::Name, "刘强"),
                (Kind::Phone, "13512345678"),
                (Kind::Address, "天津市南开区卫津路94号"),
            ],
        ),
        // Common words that read as a surname and a given name are not names.
        (
            "计算 110105198703151235 的校验位",
            &[(Kind::IdCard, "110105198703151235")],
        ),
        (
            "查档 户籍 一条50 有意+v：chaxun_vip",
            &[
                (Kind::AdKeyword, "查档"),
                (Kind::AdKeyword, "户籍"),
                (Kind::Wechat, "chaxun_vip"),
            ],
        ),
        // The pinyin half of a keyword is no Telegram handle (`开房jilu`); a handle that is a
        // keyword's pinyin with digits still is (`chadang99`); `杳` and `🔍` read as 查.
        (
            "开房jilu 机主xinxi 杳档 🔍档 tg：chadang99",
            &[
                (Kind::AdKeyword, "开房jilu"),
                (Kind::AdKeyword, "机主xinxi"),
                (Kind::AdKeyword, "杳档"),
                (Kind::AdKeyword, "🔍档"),
                (Kind::AdKeyword, "tg"),
                (Kind::Telegram, "chadang99"),
            ],
        ),
        // A year of birth between a name and its record is read over; `1990年生` holds no
        // name (`年` is a surname).
        (
            "人肉搜索结果：王芳，女，1990年生，电话13800138000",
            &[
                (Kind::AdKeyword, "人肉"),
                (Kind::Name, "王芳"),
                (Kind::Phone, "13800138000"),
            ],
        ),
        // Spaces around a written-out `@` or `#`; separator words (`下划线`, `逗号`).
        (
            "邮箱 abc123 圈a 163.com，或 abc123 # qq.com",
            &[
                (Kind::Email, "abc123 圈a 163.com"),
                (Kind::Email, "abc123 # qq.com"),
            ],
        ),
        (
            "电话138逗号0013逗号8000，身份证110105199003071239",
            &[
                (Kind::Phone, "138逗号0013逗号8000"),
                (Kind::IdCard, "110105199003071239"),
            ],
        ),
        // Parenthesized ideographic numerals; a dot read out between digit groups.
        (
            "电话 ㈠㈢㈧㈠㈡㈢㈣㈤㈥㈦㈧，或一三八點一二三四點五六七八",
            &[
                (Kind::Phone, "㈠㈢㈧㈠㈡㈢㈣㈤㈥㈦㈧"),
                (Kind::Phone, "一三八點一二三四點五六七八"),
            ],
        ),
        // A room in Chinese digits, a floor written `15F`, a named village group.
        (
            "住址：朝阳区幸福小区三号楼二单元五零一",
            &[(Kind::Address, "朝阳区幸福小区三号楼二单元五零一")],
        ),
        (
            "地址：福建省厦门市思明区鹭江道8号国际银行大厦15F",
            &[(Kind::Address, "福建省厦门市思明区鹭江道8号国际银行大厦15F")],
        ),
        (
            "住址：于都县大桥村下屋组5号",
            &[(Kind::Address, "于都县大桥村下屋组5号")],
        ),
        // A house emoji before an address is no character of a name (`王芳🏠北京市…`).
        (
            "开盒：王芳🏠北京市朝阳区建国路88号 📱13812345678",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "王芳"),
                (Kind::Address, "北京市朝阳区建国路88号"),
                (Kind::Phone, "13812345678"),
            ],
        ),
        // A full name with a courtesy title glued to it, read with and without a label.
        (
            "曝光 王建国先生 13812345678，联系人：李娜女士，电话13912345678",
            &[
                (Kind::Name, "王建国"),
                (Kind::Phone, "13812345678"),
                (Kind::Name, "李娜"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        // A possessive before the label, a copula after it; a date in brackets before a phone.
        (
            "开盒 王芳的手机号13812345678，李娜的身份证是110105199003071239",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "王芳"),
                (Kind::Phone, "13812345678"),
                (Kind::Name, "李娜"),
                (Kind::IdCard, "110105199003071239"),
            ],
        ),
        (
            "王芳（1990.03.07）13812345678",
            &[(Kind::Name, "王芳"), (Kind::Phone, "13812345678")],
        ),
        // A birth date in groups, then a space, then the phone: the date is read over between
        // the name and the phone, and is no part of the phone.
        (
            "王伟 男 1990-03-07 13812345678",
            &[(Kind::Name, "王伟"), (Kind::Phone, "13812345678")],
        ),
        // Spaces alone do not set a phone apart inside a long account number.
        ("燃气户号：6739 7138 1782 1699 298", &[]),
        // A nickname (`小王`, `阿丽`) is no full name.
        ("曝光 小王 13812345678，阿丽 13912345678", &[(Kind::Phone, "13812345678"), (Kind::Phone, "13912345678")]),
        // Filler words between the groups of a number.
        (
            "电话 138 然后 0013 然后 8000，或1哈3哈9哈1哈2哈3哈4哈5哈6哈7哈8",
            &[
                (Kind::Phone, "138 然后 0013 然后 8000"),
                (Kind::Phone, "1哈3哈9哈1哈2哈3哈4哈5哈6哈7哈8"),
            ],
        ),
        // A space between a number and its suffix, as between the other parts.
        (
            "地址：天津市和平区南京路 189 号 津汇广场 2 座 1502",
            &[(Kind::Address, "天津市和平区南京路 189 号 津汇广场 2 座 1502")],
        ),
        // An entrance (`门`) between a building and a room.
        (
            "住北京市海淀区学院路30号2号楼3门301",
            &[(Kind::Address, "北京市海淀区学院路30号2号楼3门301")],
        ),
        // A part of a compound (`东区`) after the compound, not a district.
        (
            "家住幸福小区东区5栋2单元301",
            &[(Kind::Address, "幸福小区东区5栋2单元301")],
        ),
        // A numbered part of a compound (`三区`, `二期`, `A区`) before its building.
        (
            "家住朝阳区望京街道望京西园三区312号楼1单元1102",
            &[(Kind::Address, "朝阳区望京街道望京西园三区312号楼1单元1102")],
        ),
        (
            "住在杭州市余杭区万科城二期5幢301",
            &[(Kind::Address, "杭州市余杭区万科城二期5幢301")],
        ),
        // A unit, an entrance or a dormitory after a compound with no house number: the
        // loader flags those suffixes too (the address detector did not run without a `号`,
        // `栋` or `室` somewhere in the post).
        (
            "家住幸福小区3单元502",
            &[(Kind::Address, "幸福小区3单元502")],
        ),
        (
            "家住幸福小区2门301",
            &[(Kind::Address, "幸福小区2门301")],
        ),
        (
            "住在南园12舍305",
            &[(Kind::Address, "南园12舍305")],
        ),
        // A handle written apart after `@ `; an ethnic group is no name.
        (
            "cha档 hu籍 秒出 电报 @ cd _ 2026",
            &[
                (Kind::AdKeyword, "cha档"),
                (Kind::AdKeyword, "hu籍"),
                (Kind::AdKeyword, "电报"),
                (Kind::Telegram, "@ cd _ 2026"),
            ],
        ),
        (
            "李娜 女 汉族 手机13912345678",
            &[(Kind::Name, "李娜"), (Kind::Phone, "13912345678")],
        ),
        // Account labels (`QQ账号`, `微信ID`) and name labels (`名为`, `叫做`, `当事人`).
        (
            "名为刘洋 QQ账号：123456789 微信ID：liuyang_2025",
            &[
                (Kind::Name, "刘洋"),
                (Kind::Qq, "123456789"),
                (Kind::Wechat, "liuyang_2025"),
            ],
        ),
        (
            "当事人刘洋 手机13912345678",
            &[(Kind::Name, "刘洋"), (Kind::Phone, "13912345678")],
        ),
        // A name after a phone and a space, ending the phrase; owners and account holders
        // labelled (`车主` is no name).
        (
            "联系方式：13912345678 许文强",
            &[(Kind::Phone, "13912345678"), (Kind::Name, "许文强")],
        ),
        (
            "开户名 王芳 账号 6217001234567890122",
            &[(Kind::Name, "王芳"), (Kind::BankCard, "6217001234567890122")],
        ),
        (
            "车主：周杰 车牌：京A12345 车主电话：13612345678",
            &[(Kind::Name, "周杰"), (Kind::Phone, "13612345678")],
        ),
        (
            "联系电话 13912345678 万达广场三楼",
            &[(Kind::Phone, "13912345678")],
        ),
        // Emoji inside the phrases around a name (`就🎯是他`, `阿🙏姨`).
        (
            "朱兵就🎯是他，打这个13912345678",
            &[(Kind::Name, "朱兵"), (Kind::Phone, "13912345678")],
        ),
        (
            "家政服务，杨红阿🙏姨，电话13912345678",
            &[(Kind::Name, "杨红"), (Kind::Phone, "13912345678")],
        ),
        // A bare handle after `TG搜索`.
        (
            "开盒 查档 一条50 TG搜索 cd_2025",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::AdKeyword, "查档"),
                (Kind::AdKeyword, "TG"),
                (Kind::Telegram, "cd_2025"),
            ],
        ),
        // A keyword glued to its price with `O` for a zero is no Telegram handle.
        ("全家户900包月，jzxx6O/条 婚姻状况200米", &[(Kind::AdKeyword, "jzxx")]),
        // A timestamp field and a list number after it are no phone.
        ("createTime\":1714172298 4、客厅较大", &[]),
        // A doubled character is a nickname (`宝宝`), not a surname and a given name.
        (
            "宝宝身份证号码 440306201501011005，家长手机13912345678",
            &[
                (Kind::IdCard, "440306201501011005"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        // No identifier, no record, no name (`名字` labels `和故事`, `收` ends `年减`).
        ("都是自己编的名字和故事，头５年减收２０％的利润税", &[]),
        // Numbers that labels call codes of things: a SIM card's ICCID (Luhn-valid), an
        // activation code, a gift card's secret.
        ("ICCID：8986012345678901239 激活码：13912345678 卡密：6222021234567890128", &[]),
        // A `+` right before the leading 1: North America's country code, no mainland mobile.
        ("美国客服 +1 415 555 0123，工作日在线", &[]),
        // Emoji between the parts of an address and inside a labelled name; `一座` counts.
        (
            "姓名：刘🌸洋 住址：北京市🌸朝阳区🌸建国路88号3号楼501",
            &[
                (Kind::Name, "刘🌸洋"),
                (Kind::Address, "北京市🌸朝阳区🌸建国路88号3号楼501"),
            ],
        ),
        ("在上蔡县十里铺村建起一座希望小学，电话13912345678", &[(Kind::Phone, "13912345678")]),
        // More emoji standing for a keyword's character (🔓 开, 🏠 房, 👣 迹, 🛤 轨, ✉ 信, 🎁 盒,
        // 📱 机); on a contact card the same emoji change nothing (they stay emoji
        // outside the keywords' view: no name or label is glued to them).
        (
            "🔓盒 开🏠记录 轨👣 🛤迹 机主✉息 开🎁 📱主信息 tg @cd_2026",
            &[
                (Kind::AdKeyword, "🔓盒"),
                (Kind::AdKeyword, "开🏠记录"),
                (Kind::AdKeyword, "轨👣"),
                (Kind::AdKeyword, "🛤迹"),
                (Kind::AdKeyword, "机主✉息"),
                (Kind::AdKeyword, "开🎁"),
                (Kind::AdKeyword, "📱主信息"),
                (Kind::AdKeyword, "tg"),
                (Kind::Telegram, "@cd_2026"),
            ],
        ),
        (
            "曝光 👤王建国 📱13912345678 ✉ wangjg@163.com 🏠北京市朝阳区建国路88号3号楼501",
            &[
                (Kind::Name, "王建国"),
                (Kind::Phone, "13912345678"),
                (Kind::Email, "wangjg@163.com"),
                (Kind::Address, "北京市朝阳区建国路88号3号楼501"),
            ],
        ),
        // Written-out e-mail signs and dots: homophones of 艾特, the sign or the dot in
        // brackets, spaced brackets; a `wxid_` ID split by a space before letters only.
        (
            "邮箱wangjg1990爱特163.com 邮箱li_2020(艾特)qq【点】com 邮箱zhao88 (at) 126 (dot) com",
            &[
                (Kind::Email, "wangjg1990爱特163.com"),
                (Kind::Email, "li_2020(艾特)qq【点】com"),
                (Kind::Email, "zhao88 (at) 126 (dot) com"),
            ],
        ),
        (
            "曝光 微信wxid_r6ui6zbf spdi。手机13912345678",
            &[
                (Kind::Wechat, "wxid_r6ui6zbf spdi"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        // A line break inside an address, between two of its parts, and inside a card number
        // that a card label announces; a label's number on the next line is no more of the
        // address.
        (
            "曝光 家住广东省深圳市南山区粤海街道\n科技园路1号2栋3单元402室 银行卡6222 0212\n3456 7890 128",
            &[
                (Kind::Address, "广东省深圳市南山区粤海街道\n科技园路1号2栋3单元402室"),
                (Kind::BankCard, "6222 0212\n3456 7890 128"),
            ],
        ),
        // A phone over a line break, a card after it on the second line: each stands.
        (
            "曝光 胡建军 1581844620\n5 6278147137504560",
            &[
                (Kind::Name, "胡建军"),
                (Kind::Phone, "1581844620\n5"),
                (Kind::BankCard, "6278147137504560"),
            ],
        ),
        (
            "住江苏省南京市鼓楼区中山路112号\n和谐家园4栋5单元902室",
            &[(Kind::Address, "江苏省南京市鼓楼区中山路112号\n和谐家园4栋5单元902室")],
        ),
        // The mouse emoji for `@` (小老鼠).
        (
            "曝光 王建国 邮箱 wjg1987🐭163.com 手机13912345678",
            &[
                (Kind::Name, "王建国"),
                (Kind::Email, "wjg1987🐭163.com"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        // One field a line, no labels, under a doxxing word: the name is the line above.
        (
            "开盒结果如下\n王建国\n13912345678\n110105198703151235",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::Name, "王建国"),
                (Kind::Phone, "13912345678"),
                (Kind::IdCard, "110105198703151235"),
            ],
        ),
        // A compound without a suffix on the next line, before a building-unit-room in
        // dashes that ends there.
        (
            "家住吉林省长春市朝阳区\n书香门第28-2-202，打这个19912345678",
            &[
                (Kind::Address, "吉林省长春市朝阳区\n书香门第28-2-202"),
                (Kind::Phone, "19912345678"),
            ],
        ),
        (
            "住址：北京市朝阳区李路271号\n身份证是110105-19900307-1239",
            &[
                (Kind::Address, "北京市朝阳区李路271号"),
                (Kind::IdCard, "110105-19900307-1239"),
            ],
        ),
        // Traditional formal numerals (`參` folds to `参`, the formal 3 there) and the decimal
        // digits of other scripts (Arabic-Indic, Mongolian).
        (
            "電話壹參玖壹貳參肆伍陸柒捌 手机١٣٩١٢٣٤٥٦٧٨ QQ ᠑᠒᠓᠔᠕᠖᠗᠘᠙",
            &[
                (Kind::Phone, "壹參玖壹貳參肆伍陸柒捌"),
                (Kind::Phone, "١٣٩١٢٣٤٥٦٧٨"),
                (Kind::Qq, "᠑᠒᠓᠔᠕᠖᠗᠘᠙"),
            ],
        ),
        // Look-alike characters and emoji standing for a keyword's character.
        (
            "开🏨记录 戸籍 閞盒 社エ库 开📦 人🥩 查📁 tg @cd_2026",
            &[
                (Kind::AdKeyword, "开🏨记录"),
                (Kind::AdKeyword, "戸籍"),
                (Kind::AdKeyword, "閞盒"),
                (Kind::AdKeyword, "社エ库"),
                (Kind::AdKeyword, "开📦"),
                (Kind::AdKeyword, "人🥩"),
                (Kind::AdKeyword, "查📁"),
                (Kind::AdKeyword, "tg"),
                (Kind::Telegram, "@cd_2026"),
            ],
        ),
        // A label and its value joined by `为` (`vx为…`, `TG为…`); an address after a
        // sentence (`地址改了是…`); a phone in numerals ending in 二七 (the district 二七区)
        // before a city; a building-unit-room in numerals; a card after a county's name and
        // its label.
        (
            "曝光 王芳 vx为wangfang_88 地址改了是广东省广州市天河区学院路514号万科城23幢945室",
            &[
                (Kind::Name, "王芳"),
                (Kind::Wechat, "wangfang_88"),
                (Kind::Address, "广东省广州市天河区学院路514号万科城23幢945室"),
            ],
        ),
        (
            "开盒 查档 详情TG为hk_hegang",
            &[
                (Kind::AdKeyword, "开盒"),
                (Kind::AdKeyword, "查档"),
                (Kind::AdKeyword, "TG"),
                (Kind::Telegram, "hk_hegang"),
            ],
        ),
        (
            "曝光 王芳 手机 一三八五零七九七六二七 临沂市兰山区朝阳北路109号紫荆园二五-二-一九零三",
            &[
                (Kind::Name, "王芳"),
                (Kind::Phone, "一三八五零七九七六二七"),
                (Kind::Address, "临沂市兰山区朝阳北路109号紫荆园二五-二-一九零三"),
            ],
        ),
        // Letter-spaced prose: the accusation's phrase split by spaces; a surname's
        // character after a space inside a sentence (`钱不还`) starts no name.
        (
            "人肉结 果出来了 马帆 就 是 他，电 话 13912345678",
            &[
                (Kind::AdKeyword, "人肉"),
                (Kind::Name, "马帆"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        (
            "这个骗子，骗了我两 千块 钱不还。身份证 号110105198703151235",
            &[(Kind::IdCard, "110105198703151235")],
        ),
        // Names in brackets: before the accusation, after a phone, before 收; the spans leave
        // the brackets out.
        (
            "骗了我两千块钱不还。《孙丽娟》就是他，电话13912345678",
            &[(Kind::Name, "孙丽娟"), (Kind::Phone, "13912345678")],
        ),
        (
            "婚车租赁，电话18612345678（【文勇】）",
            &[(Kind::Phone, "18612345678"), (Kind::Name, "文勇")],
        ),
        (
            "收货地址：北京市朝阳区建国路88号3号楼501室，〔王磊〕收，13912345678",
            &[
                (Kind::Address, "北京市朝阳区建国路88号3号楼501室"),
                (Kind::Name, "王磊"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        // A label that ends its line, the value on the next.
        (
            "人肉结果\n姓名\n王玉兰\n微信：\nwyl_1990\n身份证\n110105198703151235",
            &[
                (Kind::AdKeyword, "人肉"),
                (Kind::Name, "王玉兰"),
                (Kind::Wechat, "wyl_1990"),
                (Kind::IdCard, "110105198703151235"),
            ],
        ),
        (
            "他的QQ：\n549906101 曝光 王芳 手机 13912345678",
            &[
                (Kind::Qq, "549906101"),
                (Kind::Name, "王芳"),
                (Kind::Phone, "13912345678"),
            ],
        ),
        // A table's header ends with a label: its next line is a row of values in order.
        (
            "真实信息如下\n手机 | 姓名 | QQ\n18532551861 | 李晶 | 542990527",
            &[
                (Kind::Phone, "18532551861"),
                (Kind::Name, "李晶"),
                (Kind::Qq, "542990527"),
            ],
        ),
        // Words between a label and its value.
        (
            "曝光 本名是这个王玉兰 QQ如下：549906101 微信给你们 wyl_1990 地址在这北京市朝阳区建国路88号3号楼501",
            &[
                (Kind::Name, "王玉兰"),
                (Kind::Qq, "549906101"),
                (Kind::Wechat, "wyl_1990"),
                (Kind::Address, "北京市朝阳区建国路88号3号楼501"),
            ],
        ),
        (
            "曝光 王芳 兴业银行卡号4349-3272-9043-0320",
            &[(Kind::Name, "王芳"), (Kind::BankCard, "4349-3272-9043-0320")],
        ),
    ];
    for (text, want) in cases {
        let r = scanner.scan(text);
        let chars: Vec<char> = text.chars().collect();
        let mut got: Vec<(Kind, String)> = r
            .findings
            .iter()
            .filter(|f| !f.kind.is_signal())
            .map(|f| {
                let s: String = chars[f.span.start as usize..f.span.end as usize]
                    .iter()
                    .collect();
                (f.kind, s)
            })
            .collect();
        got.sort_by_key(|(k, s)| (text.find(s.as_str()), *k as u32));
        let want: Vec<(Kind, String)> = want.iter().map(|(k, s)| (*k, s.to_string())).collect();
        assert_eq!(got, want, "{text}");
    }
}

/// A record shown as an ad's sample (`样例：`, `实拍`) is both the ad and a dossier, even when
/// the ad leaves its contact to a private message.
#[test]
fn a_sample_record_is_an_ad_and_a_dossier() {
    let scanner = Scanner::new().unwrap();
    let r = scanner.scan(&format!("專業人肉團隊 手機定位價格私聊 樣例： 羅秀梅 {ID}"));
    assert_eq!(
        r.labels,
        ["doxxing_post", "data_sale_ad"],
        "{:?}",
        r.reasons
    );
    // A record in an ad's words with no hostile call is its sample, whatever introduces it.
    let r = scanner.scan(&format!(
        "专业人肉团队 户籍 开房记录 价格私聊 效果：刘洋 {ID}"
    ));
    assert_eq!(
        r.labels,
        ["doxxing_post", "data_sale_ad"],
        "{:?}",
        r.reasons
    );
    // The same record under hostile words alone stays a dossier, as does one a doxer found
    // through a lookup (`找人查档查到的，保真`) or one after a keyword with no other offer.
    for text in [
        format!("人肉出来了 羅秀梅 {ID} 大家冲"),
        format!("找人查档查到的，保真，sfz {ID}｜号码13912345678｜叫柯丽娟"),
        format!("开盒成功，户籍、机主信息都对上了 刘洋 {ID} 手机13912345678"),
    ] {
        let r = scanner.scan(&text);
        assert_eq!(r.labels, ["doxxing_post"], "{text}: {:?}", r.reasons);
    }
}

/// A doxer's keywords over a phone and the victim's QQ under hostile calls are a dossier, not
/// an offer: the QQ is the victim's, not a way to buy.
#[test]
fn hostile_profiles_are_no_offers() {
    let scanner = Scanner::new().unwrap();
    let r = scanner.scan(
        "这人冒充我发帖，我把他开盒了 手机号码：13912345678 企鹅号 8939323926 \
         开房记录：2025/04/23 锦江之星 大家打电话问候一下",
    );
    assert_eq!(r.labels, ["doxxing_post"], "{:?}", r.reasons);
}
