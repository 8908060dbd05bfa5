"""Services of the education, health, disability, planning and building departments."""

from __future__ import annotations

# fmt: off
PUBLIC_SERVICES: dict[str, tuple[tuple, ...]] = {
    "edu": (
        ("义务教育入学", "GG", "i", "教育科研", "edu", "hukoubook idcard house", 10, "", "县内", "入学通知书"),
        ("义务教育转学", "GG", "i", "教育科研", "edu", "hukoubook school", 5, "", "全省", "转学联系单"),
        ("教师资格认定", "XK", "i", "职业资格 教育科研", "tch", "idcard diploma exam mexam photo", 20, "", "全省", "教师资格证书"),
        ("民办学校设立许可", "XK", "b", "设立变更 教育科研", "pri", "form charter lease quals", 20, "", "县内", "办学许可证"),
        ("家庭经济困难学生资助", "JF", "i", "教育科研 社会保障", "sch", "idcard income", 15, "", "县内", "资助名单公示"),
        ("学历证明书补办", "GG", "i", "教育科研 证件办理", "edu", "idcard ?photo", 5, "", "全国", "学历证明书"),
        ("校外培训机构审批", "XK", "b", "准营准办 教育科研", "pri", "form legalid lease quals", 20, "", "县内", "办学许可证"),
        ("适龄儿童入学材料“一件事”联办", "GG", "i", "教育科研 户籍办理", "edu zj", "hukoubook ~house", 10, "", "县内", "入学联办结果"),
    ),
    "health": (
        ("出生医学证明首次签发", "GG", "i", "生育收养 医疗卫生", "mch", "parents ?mcert", 0, "", "全国", "出生医学证明", "hospital"),
        ("出生医学证明补发", "GG", "i", "生育收养 证件办理", "mch", "parents form", 20, "", "全国", "出生医学证明", "hospital"),
        ("医师执业注册", "XK", "i", "职业资格 医疗卫生", "doc", "idcard exam mexam photo form", 20, "", "全省", "医师执业证书"),
        ("护士执业注册", "XK", "i", "职业资格 医疗卫生", "nurse", "idcard exam mexam photo", 20, "", "全省", "护士执业证书"),
        ("医疗机构执业登记", "XK", "b", "准营准办 医疗卫生", "mio", "form legalid lease quals layout", 30, "", "县内", "医疗机构执业许可证"),
        ("诊所备案", "QT", "b", "准营准办 医疗卫生", "mio", "form quals lease", 0, "", "县内", "诊所备案凭证"),
        ("公共场所卫生许可", "XK", "b", "准营准办 医疗卫生", "pub", "bizlic layout health", 15, "", "县内", "公共场所卫生许可证"),
        ("预防接种证补办", "GG", "i", "医疗卫生 证件办理", "vac", "idcard ?hukoubook", 0, "", "全省", "预防接种证"),
        ("母婴保健技术服务执业许可", "XK", "b", "医疗卫生", "mch", "form quals legalid", 20, "", "县内", "母婴保健技术服务执业许可证"),
        ("计划生育家庭特别扶助金申领", "JF", "i", "生育收养 优待抚恤", "mch", "idcard hukoubook ~bank", 20, "", "县内", "扶助金发放通知"),
        ("放射诊疗许可", "XK", "b", "医疗卫生 准营准办", "mio", "form quals layout safeeval", 20, "", "县内", "放射诊疗许可证"),
    ),
    "dpf": (
        ("残疾人证办理", "QR", "i", "证件办理 社会保障", "dis dcard", "idcard hukoubook photo disdx", 15, "", "全省", "中华人民共和国残疾人证"),
        ("残疾人证换领", "QR", "i", "证件办理 社会保障", "dcard", "idcard photo", 10, "", "全省", "中华人民共和国残疾人证"),
        ("残疾人两项补贴申请", "JF", "i", "社会保障 优待抚恤", "dis", "idcard form ~bank", 20, "", "县内", "补贴发放通知"),
        ("残疾人辅助器具适配补贴", "JF", "i", "社会保障 医疗卫生", "dis", "idcard form", 15, "", "县内", "辅具适配补贴"),
        ("残疾人就业创业扶持", "JF", "ib", "就业创业", "dis emp", "idcard form ?bizlic", 20, "", "县内", "扶持资金核定"),
        ("残疾儿童康复救助", "JF", "i", "医疗卫生 社会保障", "dis", "idcard hukoubook med", 15, "", "全省", "康复救助通知"),
    ),
    "nrp": (
        ("国有建设用地使用权首次登记", "QR", "b", "国土和规划建设 抵押质押", "rer land", "form landdoc survey", 5, "rer", "县内", "不动产权证书", "realestate"),
        ("不动产转移登记（二手房买卖）", "QR", "ib", "规划建设 住房保障", "rer", "idcard deed buy", 1, "rer", "全省", "不动产权证书", "realestate"),
        ("不动产抵押登记", "QR", "ib", "抵押质押", "rer", "idcard deed loanapp", 1, "rer", "全省", "不动产登记证明", "realestate"),
        ("不动产登记资料查询", "GG", "ib", "规划建设", "rer", "idcard ?proxy", 0, "", "全国", "不动产登记信息查询结果", "realestate"),
        ("建设工程规划许可", "XK", "b", "国土和规划建设 投资审批", "urp", "form plan landdoc", 10, "", "县内", "建设工程规划许可证"),
        ("建设用地规划许可", "XK", "b", "国土和规划建设 投资审批", "urp land", "form landdoc", 10, "", "县内", "建设用地规划许可证"),
        ("乡村建设规划许可", "XK", "i", "规划建设", "urp hom", "form village landdoc", 15, "", "县内", "乡村建设规划许可证"),
        ("农村宅基地用地审批", "XK", "i", "规划建设", "hom", "form village hukoubook", 20, "", "县内", "农村宅基地批准书"),
        ("采矿权延续登记", "XK", "b", "国土和规划建设", "land", "form bizlic survey", 30, "", "县内", "采矿许可证"),
    ),
    "housing": (
        ("建筑工程施工许可", "XK", "b", "国土和规划建设 投资审批", "bld", "form contract drawings landdoc", 7, "", "县内", "建筑工程施工许可证"),
        ("建筑业企业资质认定（施工总承包三级）", "XK", "b", "资质认证", "cqa", "bizlic quals form", 20, "", "全省", "建筑业企业资质证书"),
        ("房屋建筑工程竣工验收备案", "QT", "b", "国土和规划建设", "bld", "form contract", 5, "", "县内", "竣工验收备案证明"),
        ("公共租赁住房申请", "JF", "i", "住房保障", "hsg", "idcard hukoubook income", 30, "", "县内", "公租房资格确认通知"),
        ("住房租赁补贴申请", "JF", "i", "住房保障", "hsg", "idcard income lease ~bank", 20, "", "县内", "租赁补贴核定"),
        ("商品房预售许可", "XK", "b", "国土和规划建设", "urp", "bizlic landdoc contract", 10, "", "县内", "商品房预售许可证"),
        ("商品房买卖合同网签备案", "QT", "ib", "住房保障", "urp", "idcard buy", 0, "", "县内", "网签备案证明"),
        ("城镇燃气经营许可", "XK", "b", "准营准办", "safe", "bizlic safety quals", 20, "", "县内", "燃气经营许可证"),
        ("房地产开发企业资质核定", "XK", "b", "资质认证", "cqa", "bizlic quals", 20, "", "县内", "房地产开发企业资质证书"),
        ("既有住宅加装电梯审批", "QT", "i", "规划建设", "urp", "form village plan", 15, "", "县内", "加装电梯联合审查意见"),
    ),
    "transport": (
        ("道路货物运输经营许可", "XK", "b", "交通运输 准营准办", "road", "form bizlic vehicle drivers", 20, "", "县内", "道路运输经营许可证"),
        ("道路旅客运输经营许可", "XK", "b", "交通运输 准营准办", "road", "form bizlic vehicle drivers safety", 20, "", "县内", "道路运输经营许可证"),
        ("道路运输从业人员从业资格证换证", "XK", "i", "职业资格 交通出行", "road", "idcard dl photo", 0, "", "全国", "从业资格证"),
        ("巡游出租汽车驾驶员从业资格注册", "XK", "i", "职业资格 交通出行", "taxi", "idcard dl exam", 5, "", "县内", "从业资格注册证明"),
        ("网络预约出租汽车运输证核发", "XK", "ib", "交通出行 准营准办", "taxi", "vlic idcard form", 10, "", "县内", "网约车运输证"),
        ("机动车维修经营备案", "QT", "b", "交通运输", "road", "bizlic quals layout", 0, "", "县内", "备案回执"),
        ("公路超限运输许可", "XK", "b", "交通运输", "hwy", "form vlic vehicle", 5, "", "全省", "超限运输车辆通行证"),
        ("涉路施工许可", "XK", "b", "交通运输 国土和规划建设", "hwy", "form plan safety", 20, "", "县内", "涉路施工许可决定书"),
        ("道路运输证年度审验", "QT", "b", "年检年审 交通运输", "road", "vehicle vlic", 0, "", "全省", "道路运输证审验记录"),
    ),
}
# fmt: on
