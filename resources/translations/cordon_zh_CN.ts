<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AllocationTab</name>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="39"/>
        <source>Plan allocation</source>
        <translation>生成分配方案</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="40"/>
        <source>Nearest site with a free room, sealed-zone residents first</source>
        <translation>就近安排有空房的场所，封控区人员优先</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="41"/>
        <source>Confirm allocation</source>
        <translation>确认分配</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="42"/>
        <source>Export transfer lists…</source>
        <translation>导出转运名单…</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="45"/>
        <location filename="../../desktop/dashboard/allocation.py" line="47"/>
        <source>Isolation site</source>
        <translation>隔离场所</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="45"/>
        <source>Arriving</source>
        <translation>转入人数</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="46"/>
        <source>Free rooms now</source>
        <translation>当前空房</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="46"/>
        <source>Free rooms after</source>
        <translation>分配后空房</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="47"/>
        <source>Case no.</source>
        <translation>病例编号</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="48"/>
        <source>km</source>
        <translation>距离（公里）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="48"/>
        <source>Sealed zone</source>
        <translation>封控区</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="49"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="49"/>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="95"/>
        <source>Plan who goes to which site: the nearest active site with a free room, sealed-zone residents first. Nothing is written until you confirm.</source>
        <translation>安排每人转往哪个场所：就近安排有空房的启用场所，封控区人员优先。确认之前不会写入任何数据。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="97"/>
        <source>The project changed since this plan was made: plan again.</source>
        <translation>生成方案后项目数据已有变化，请重新生成。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="99"/>
        <source>Nobody is waiting for isolation.</source>
        <translation>当前没有待隔离人员。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="100"/>
        <source>Confirmed: {count} people assigned (Edit ▸ Undo takes it back).</source>
        <translation>已确认：已分配 {count} 人（可用“编辑 ▸ 撤销”撤回）。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="103"/>
        <source>{assigned} of {waiting} waiting people assigned to {sites} sites, {sealed} of them from sealed zones; {left} left without a room. Nothing written yet.</source>
        <translation>待隔离 {waiting} 人中已安排 {assigned} 人至 {sites} 个场所，其中封控区 {sealed} 人；{left} 人暂无房间。尚未写入。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="113"/>
        <source>Reading the people waiting and the sites…</source>
        <translation>正在读取待隔离人员和场所…</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="116"/>
        <source>Planning the allocation</source>
        <translation>正在生成分配方案</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="147"/>
        <source>Allocate {count} people to isolation sites</source>
        <translation>将 {count} 人分配至集中隔离场所</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="154"/>
        <source>transfer-lists-{day}.xlsx</source>
        <translation>转运名单-{day}.xlsx</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="155"/>
        <source>Export Transfer Lists</source>
        <translation>导出转运名单</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="156"/>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/allocation.py" line="164"/>
        <source>Transfer lists written to {path}</source>
        <translation>转运名单已保存至 {path}</translation>
    </message>
</context>
<context>
    <name>AttributeDock</name>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="408"/>
        <source>Attributes</source>
        <translation>属性表</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="423"/>
        <source>Filter rows…</source>
        <translation>筛选行…</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="426"/>
        <source>Show personal information</source>
        <translation>显示个人信息</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="427"/>
        <source>Names, ID numbers and phone numbers are hidden unless ticked.</source>
        <translation>不勾选时隐藏姓名、身份证号和手机号。</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="429"/>
        <source>Delete feature</source>
        <translation>删除要素</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="618"/>
        <source>{shown} of {total} features</source>
        <translation>{shown} / {total} 个要素</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="619"/>
        <source>{total} features</source>
        <translation>{total} 个要素</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="639"/>
        <source>Edit {field} of feature {fid}</source>
        <translation>编辑要素 {fid} 的{field}</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="647"/>
        <source>Delete feature {fid} from {layer}</source>
        <translation>从{layer}删除要素 {fid}</translation>
    </message>
</context>
<context>
    <name>CapacityDock</name>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="46"/>
        <source>Dashboard</source>
        <translation>指挥看板</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="65"/>
        <source>Updating…</source>
        <translation>正在更新…</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="81"/>
        <source>Capacity</source>
        <translation>隔离容量</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="81"/>
        <source>Curve</source>
        <translation>疫情曲线</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="81"/>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="81"/>
        <source>Due</source>
        <translation>到期检测</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="81"/>
        <source>Allocation</source>
        <translation>隔离分配</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="82"/>
        <source>Testing</source>
        <translation>核酸采样</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/dock.py" line="87"/>
        <source>As of</source>
        <translation>截至</translation>
    </message>
</context>
<context>
    <name>CapacityTab</name>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="69"/>
        <location filename="../../desktop/dashboard/capacity.py" line="226"/>
        <source>Rooms</source>
        <translation>房间数</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="69"/>
        <source>Rooms of active and standby sites</source>
        <translation>启用和备用场所的房间总数</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="70"/>
        <location filename="../../desktop/dashboard/capacity.py" line="225"/>
        <source>Occupied</source>
        <translation>已入住</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="71"/>
        <source>Free</source>
        <translation>空余</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="71"/>
        <source>Rooms of active sites neither occupied nor reserved</source>
        <translation>启用场所中既未入住也未预留的房间</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="72"/>
        <source>Standby rooms</source>
        <translation>备用房间</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="72"/>
        <source>Rooms of standby sites, free once activated</source>
        <translation>备用场所的房间，启用后即可使用</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="73"/>
        <source>Per 10,000</source>
        <translation>每万人房间</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="73"/>
        <source>Rooms per 10,000 residents</source>
        <translation>每万常住人口房间数</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="74"/>
        <source>Demand</source>
        <translation>需求</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="75"/>
        <source>People waiting for isolation plus the forecast from new cases</source>
        <translation>待隔离人数加上新增病例带来的预测需求</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="76"/>
        <source>Free rooms run out</source>
        <translation>空房耗尽日</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="77"/>
        <source>The day the demand exceeds the free rooms if nothing changes</source>
        <translation>若情况不变，需求超过空房的日期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="78"/>
        <source>Days until full</source>
        <translation>距满员天数</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="79"/>
        <source>Free rooms at the net intake of the last 7 days of snapshots</source>
        <translation>按近 7 天记录的净入住量，空房还能维持的天数</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="85"/>
        <source> rooms per 10,000</source>
        <translation> 间/万人</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="86"/>
        <source>The capacity standard: rooms per 10,000 residents (national: 20)</source>
        <translation>容量标准：每万常住人口房间数（国家标准：20）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="87"/>
        <source>Show towns below the standard on the map</source>
        <translation>在地图上显示未达标乡镇</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="91"/>
        <source>Activate standby site</source>
        <translation>启用备用场所</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="93"/>
        <source>Select a standby site in the table first</source>
        <translation>请先在表中选择一个备用场所</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="94"/>
        <source>Record today&apos;s occupancy</source>
        <translation>记录今日入住</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="96"/>
        <source>Keep today&apos;s occupied rooms of every site (one snapshot a day; a sample project&apos;s today is the day its data describe)</source>
        <translation>保存各场所今日已入住房间数（每天一次快照；示例项目的“今日”为其数据所描述的日期）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="98"/>
        <source>Missing</source>
        <translation>缺失</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="107"/>
        <source>Standard:</source>
        <translation>标准：</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="112"/>
        <source>Isolation sites</source>
        <translation>集中隔离场所</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="149"/>
        <source>Per 10,000 (standard {standard})</source>
        <translation>每万人房间（标准 {standard}）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="151"/>
        <source>Demand, next {days} days</source>
        <translation>未来 {days} 天需求</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="175"/>
        <source>The county is below the standard: {value} rooms per 10,000 residents, standard {standard}.</source>
        <translation>全县未达标：每万常住人口 {value} 间，标准为 {standard} 间。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="179"/>
        <source>The expected demand exceeds the free rooms by {count}; {standby} standby rooms could be activated.</source>
        <translation>预计需求超出空房 {count} 间；可启用备用房间 {standby} 间。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="183"/>
        <source>{count} towns below the standard: {names}.</source>
        <translation>{count} 个乡镇（街道）未达标：{names}。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="186"/>
        <source>Rooms meet the standard and the expected demand.</source>
        <translation>房间数达到标准，可满足预计需求。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="190"/>
        <source>Below the standard of {standard} rooms per 10,000 residents</source>
        <translation>低于每万常住人口 {standard} 间的标准</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="198"/>
        <source>Checklist: {items}</source>
        <translation>清单缺项：{items}</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="199"/>
        <source>Team: {roles}</source>
        <translation>人员缺岗：{roles}</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="203"/>
        <source>Contact: {name} {phone}</source>
        <translation>联系人：{name} {phone}</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="216"/>
        <source>Occupied rooms by day (recorded sites)</source>
        <translation>每日已入住房间数（已记录场所）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="218"/>
        <source>No occupancy recorded yet</source>
        <translation>尚无入住记录</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="244"/>
        <source>No town is below the standard.</source>
        <translation>没有未达标的乡镇（街道）。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="269"/>
        <source>Activate {site}</source>
        <translation>启用{site}</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/capacity.py" line="280"/>
        <source>Recorded the occupancy of {count} sites for {day}.</source>
        <translation>已记录 {count} 个场所 {day} 的入住情况。</translation>
    </message>
</context>
<context>
    <name>ChangesDialog</name>
    <message>
        <location filename="../../desktop/zone_panel/changes_dialog.py" line="37"/>
        <source>Changes Since…</source>
        <translation>变化情况…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/changes_dialog.py" line="41"/>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/changes_dialog.py" line="41"/>
        <source>Zone</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/changes_dialog.py" line="41"/>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/changes_dialog.py" line="41"/>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/changes_dialog.py" line="48"/>
        <source>Since:</source>
        <translation>起始日期：</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zone_panel/changes_dialog.py" line="75"/>
        <source>%n zone(s) changed since %1.</source>
        <translation>
            <numerusform>自 %1 以来有 %n 个区域发生变化。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CircleDialog</name>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="107"/>
        <source>Control Circles</source>
        <translation>管控圈</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zone_panel/dialogs.py" line="109"/>
        <source>Around the %n selected case(s)</source>
        <translation>
            <numerusform>围绕所选的 %n 个病例</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="110"/>
        <source>At a point I click on the map</source>
        <translation>在地图上点选位置</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="115"/>
        <source>Small circle (%1):</source>
        <translation>小圈（%1）：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="116"/>
        <source>Large circle (%1):</source>
        <translation>大圈（%1）：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="117"/>
        <source>No official radius exists: these are this county&apos;s settings.</source>
        <translation>国家未规定统一半径，以下为本县设置。</translation>
    </message>
</context>
<context>
    <name>ConnectDialog</name>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="35"/>
        <source>Connect to Database</source>
        <translation>连接数据库</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="40"/>
        <source>(new connection)</source>
        <translation>（新连接）</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="52"/>
        <source>not saved; empty to use PGPASSWORD or ~/.pgpass</source>
        <translation>不保存；留空则使用 PGPASSWORD 或 ~/.pgpass</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="55"/>
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="58"/>
        <source>Recent:</source>
        <translation>最近连接：</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="59"/>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="60"/>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="61"/>
        <source>Database:</source>
        <translation>数据库：</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="62"/>
        <source>User:</source>
        <translation>用户：</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="63"/>
        <source>Schema:</source>
        <translation>模式：</translation>
    </message>
    <message>
        <location filename="../../desktop/connect_dialog.py" line="64"/>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
</context>
<context>
    <name>CurveTab</name>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="47"/>
        <source>By report date</source>
        <translation>按报告日期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="48"/>
        <source>By onset date</source>
        <translation>按发病日期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="50"/>
        <source>Onset date where one is recorded; people without one (asymptomatic infections, contacts) stay on their report date</source>
        <translation>有发病日期的按发病日期；无发病日期者（无症状感染者、密接等）仍按报告日期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="56"/>
        <source>Area:</source>
        <translation>区域：</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="92"/>
        <source>County</source>
        <translation>全县</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="102"/>
        <source>{totals}. {recent} new infections in the 7 days to {day}.</source>
        <translation>{totals}。截至 {day} 的 7 天内新增感染者 {recent} 例。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="105"/>
        <source>{count} without an onset date are shown on their report day.</source>
        <translation>其中 {count} 人无发病日期，按报告日期显示。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="111"/>
        <source>New infections a day: {area}</source>
        <translation>每日新增感染者：{area}</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="112"/>
        <source>New close and secondary contacts a day</source>
        <translation>每日新增密接、次密接</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="113"/>
        <source>No infections reported</source>
        <translation>无感染者报告</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="114"/>
        <source>Infections per day</source>
        <translation>感染者（例/日）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="115"/>
        <source>No contacts reported</source>
        <translation>无密接报告</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="116"/>
        <source>Persons per day</source>
        <translation>人/日</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/curve.py" line="122"/>
        <source>{suspected} (not counted as infections)</source>
        <translation>{suspected}（不计入感染者）</translation>
    </message>
</context>
<context>
    <name>DueTab</name>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="36"/>
        <location filename="../../desktop/dashboard/due.py" line="41"/>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="36"/>
        <source>Person no.</source>
        <translation>人员编号</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="37"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="37"/>
        <source>Due</source>
        <translation>应检日期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="38"/>
        <source>Test</source>
        <translation>检测项目</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="38"/>
        <source>Key person</source>
        <translation>人员类别</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="41"/>
        <source>Case no.</source>
        <translation>病例编号</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="42"/>
        <source>Step</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="42"/>
        <source>Hours over</source>
        <translation>超时（小时）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="43"/>
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="43"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="69"/>
        <source>Follow-up tests on {day}: &lt;b&gt;{due}&lt;/b&gt; due, &lt;span style=&apos;color:{alert}&apos;&gt;&lt;b&gt;{overdue}&lt;/b&gt; overdue&lt;/span&gt; (up to {days} days late), in {grids} grids.</source>
        <translation>{day} 随访检测：&lt;b&gt;{due}&lt;/b&gt; 人应检，&lt;span style=&apos;color:{alert}&apos;&gt;&lt;b&gt;{overdue}&lt;/b&gt; 人逾期&lt;/span&gt;（最多逾期 {days} 天），涉及 {grids} 个网格。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="74"/>
        <source>Overdue</source>
        <translation>逾期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="74"/>
        <source>Due today</source>
        <translation>今日应检</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/due.py" line="80"/>
        <source>Reporting steps past their deadline at {time}: &lt;b&gt;{count}&lt;/b&gt; ({deadlines} from discovery).</source>
        <translation>截至 {time} 超时的报告环节：&lt;b&gt;{count}&lt;/b&gt; 个（自发现起时限：{deadlines}）。</translation>
    </message>
</context>
<context>
    <name>DuplicatesMessageBox</name>
    <message>
        <location filename="../../desktop/import_wizard.py" line="733"/>
        <source>Features Already in the Project</source>
        <translation>要素已在项目中</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="735"/>
        <source>{count} features of {file} are already in the project (e.g. {names}).</source>
        <translation>{file} 中有 {count} 个要素已在项目中（如 {names}）。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="737"/>
        <source>Update them from the file (their ids and codes stay), or skip them and import only the others? Cancel changes nothing.</source>
        <translation>按文件更新这些要素（编号和代码不变），还是跳过它们、只导入其余要素？取消则不作任何修改。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="738"/>
        <source>Update existing features</source>
        <translation>更新已有要素</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="739"/>
        <source>Skip existing features</source>
        <translation>跳过已有要素</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="740"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../desktop/print_dialog.py" line="551"/>
        <location filename="../../desktop/print_dialog.py" line="661"/>
        <source>Export Data</source>
        <translation>导出数据</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="558"/>
        <source>Excel briefing report (.xlsx)</source>
        <translation>Excel 简报 (.xlsx)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="559"/>
        <source>GeoJSON, one layer (.geojson)</source>
        <translation>GeoJSON，单个图层 (.geojson)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="560"/>
        <source>KML for Google Earth and map apps (.kml)</source>
        <translation>KML，用于 Google 地球和地图 App (.kml)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="561"/>
        <source>GeoPackage copy of the project (.gpkg)</source>
        <translation>项目的 GeoPackage 副本 (.gpkg)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="562"/>
        <source>Interactive HTML map, works offline (.html)</source>
        <translation>交互式 HTML 地图，可离线查看 (.html)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="580"/>
        <source>Shift coordinates to GCJ-02</source>
        <translation>坐标转换为 GCJ-02</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="582"/>
        <source>Map apps based on AutoNavi (Gaode) need GCJ-02. Leave it off for GIS software, which expects WGS84.</source>
        <translation>基于高德地图的 App 需要 GCJ-02 坐标；用于 GIS 软件时请勿勾选，GIS 软件使用 WGS84。</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="586"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="589"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="596"/>
        <source>Format:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="598"/>
        <source>Layers:</source>
        <translation>图层：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="601"/>
        <source>Save as:</source>
        <translation>保存为：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="642"/>
        <source>The morning briefing workbook: zones with their countdowns, villages by tier, isolation sites, cases per grid and follow-up tests due.</source>
        <translation>晨会简报工作簿：管控区域及倒计时、各等级村（社区）、集中隔离场所、各网格病例数和到期随访检测。</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="644"/>
        <source>One layer per file, in WGS84 longitude/latitude unless shifted to GCJ-02. Names, ID numbers and phone numbers are left out.</source>
        <translation>每个文件一个图层，坐标为 WGS84 经纬度（转换为 GCJ-02 时除外）。不含姓名、身份证号和手机号。</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="646"/>
        <source>The checked layers, one folder each, with Chinese names and the map&apos;s colours. Names, ID numbers and phone numbers are left out.</source>
        <translation>所勾选的图层，每层一个文件夹，使用中文名称和地图配色。不含姓名、身份证号和手机号。</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="647"/>
        <source>A copy of the whole project file.</source>
        <translation>整个项目文件的副本。</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="648"/>
        <source>A map page that opens in any browser, offline, with the project&apos;s layers.</source>
        <translation>包含项目各图层的地图网页，可在任意浏览器中离线打开。</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="683"/>
        <source>Writing {file}…</source>
        <translation>正在写入 {file}…</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="697"/>
        <source>The export failed; nothing was written.</source>
        <translation>导出失败，未写入任何文件。</translation>
    </message>
</context>
<context>
    <name>FilePage</name>
    <message>
        <location filename="../../desktop/import_wizard.py" line="130"/>
        <source>Choose a file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="131"/>
        <source>Pick the file to import and the layer its features go into.</source>
        <translation>选择要导入的文件，以及要素导入的目标图层。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="134"/>
        <source>Shapefile, GeoJSON, KML/KMZ, GeoPackage, CSV or Excel file</source>
        <translation>Shapefile、GeoJSON、KML/KMZ、GeoPackage、CSV 或 Excel 文件</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="135"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="141"/>
        <source>Choose the coordinate system</source>
        <translation>选择坐标系</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="145"/>
        <source>Points picked on AutoNavi (Gaode) or Tencent maps are GCJ-02, on Baidu maps BD-09; GPS devices give WGS84; surveyed coordinates are usually CGCS2000.</source>
        <translation>在高德或腾讯地图上拾取的点为 GCJ-02，百度地图为 BD-09；GPS 设备采集的为 WGS84；测绘坐标一般为 CGCS2000。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="151"/>
        <location filename="../../desktop/import_wizard.py" line="240"/>
        <source>Detect automatically</source>
        <translation>自动识别</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="163"/>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="164"/>
        <source>Import into layer:</source>
        <translation>导入到图层：</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="168"/>
        <source>Coordinate system:</source>
        <translation>坐标系：</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="169"/>
        <source>Longitude column:</source>
        <translation>经度列：</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="170"/>
        <source>Latitude column:</source>
        <translation>纬度列：</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="171"/>
        <source>Text encoding:</source>
        <translation>文本编码：</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="219"/>
        <source>All supported files</source>
        <translation>所有支持的文件</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="220"/>
        <source>Shapefile</source>
        <translation>Shapefile</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="225"/>
        <source>Excel workbook</source>
        <translation>Excel 工作簿</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="227"/>
        <source>Choose a file to import</source>
        <translation>选择要导入的文件</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="250"/>
        <source>File not found.</source>
        <translation>找不到该文件。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="253"/>
        <source>This kind of file cannot be imported. Choose a Shapefile, GeoJSON, KML/KMZ, GeoPackage, CSV or Excel (.xlsx) file.</source>
        <translation>无法导入此类文件。请选择 Shapefile、GeoJSON、KML/KMZ、GeoPackage、CSV 或 Excel（.xlsx）文件。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="267"/>
        <source>As stated in the file</source>
        <translation>按文件中的声明</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="268"/>
        <source>WGS84 (GPS)</source>
        <translation>WGS84（GPS）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="268"/>
        <source>GCJ-02 (AutoNavi, Tencent)</source>
        <translation>GCJ-02（高德、腾讯）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="269"/>
        <source>BD-09 (Baidu)</source>
        <translation>BD-09（百度）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="269"/>
        <source>CGCS2000</source>
        <translation>CGCS2000</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="270"/>
        <source>Other EPSG code…</source>
        <translation>其他 EPSG 代码…</translation>
    </message>
</context>
<context>
    <name>GridTab</name>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="34"/>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="34"/>
        <source>Villages and communities</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="35"/>
        <source>Towns</source>
        <translation>乡镇（街道）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="38"/>
        <source>All days</source>
        <translation>全部日期</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="38"/>
        <source>Last 14 days</source>
        <translation>近 14 天</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="38"/>
        <source>Last 7 days</source>
        <translation>近 7 天</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="39"/>
        <source>As-of day only</source>
        <translation>仅截至当日</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="41"/>
        <source>Cases reported in this window, ending on the as-of day</source>
        <translation>统计此时段内报告的病例（截至所选日期）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="42"/>
        <source>Only with cases</source>
        <translation>仅显示有病例的</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="47"/>
        <source>Click a row to show it on the map</source>
        <translation>点击一行可在地图上显示</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="50"/>
        <source>Case no.</source>
        <translation>病例编号</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="50"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="51"/>
        <source>Reported</source>
        <translation>报告时间</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="51"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="52"/>
        <source>Isolation site</source>
        <translation>隔离场所</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="53"/>
        <source>Person no.</source>
        <translation>人员编号</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="53"/>
        <source>Key person</source>
        <translation>人员类别</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="54"/>
        <source>Arrived</source>
        <translation>抵达时间</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="54"/>
        <source>From</source>
        <translation>来源地</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="55"/>
        <source>Schedule</source>
        <translation>管理措施</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="96"/>
        <source>Click a grid on the map or in the table to list its cases.</source>
        <translation>在地图或表格中点击网格，列出其中的病例。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="107"/>
        <source>That grid is no longer in the project.</source>
        <translation>该网格已不在项目中。</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="112"/>
        <source>&lt;b&gt;{grid}&lt;/b&gt; ({code}): {totals}; {persons} key persons</source>
        <translation>&lt;b&gt;{grid}&lt;/b&gt;（{code}）：{totals}；重点人员 {persons} 人</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="124"/>
        <source>{totals}, in {units} of {all} areas</source>
        <translation>{totals}，分布于 {all} 个区域中的 {units} 个</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/grids.py" line="127"/>
        <source>; {count} more records lie in no area</source>
        <translation>；另有 {count} 条记录不在任何区域内</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <location filename="../../desktop/import_wizard.py" line="89"/>
        <source>Import features</source>
        <translation>导入数据</translation>
    </message>
</context>
<context>
    <name>LayerDock</name>
    <message>
        <location filename="../../desktop/layer_dock.py" line="55"/>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_dock.py" line="65"/>
        <source>Tick a layer to show it; drag layers to change which is drawn on top.</source>
        <translation>勾选图层即显示；拖动图层可调整叠放次序。</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_dock.py" line="66"/>
        <source>Drag to reorder: layers higher in the list are drawn on top.</source>
        <translation>拖动可调整次序：列表中靠上的图层显示在上层。</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_dock.py" line="78"/>
        <source>Show unit names</source>
        <translation>显示单元名称</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_dock.py" line="80"/>
        <source>Attribute Table</source>
        <translation>属性表</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_dock.py" line="81"/>
        <source>Open the attribute table of this layer below the map</source>
        <translation>在地图下方打开此图层的属性表</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_dock.py" line="85"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/main_window.py" line="293"/>
        <source>&amp;New Project…</source>
        <translation>新建项目(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="294"/>
        <source>&amp;Open Project…</source>
        <translation>打开项目(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="295"/>
        <source>&amp;Connect to Database…</source>
        <translation>连接数据库(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="296"/>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="297"/>
        <source>&amp;Import Data…</source>
        <translation>导入数据(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="298"/>
        <source>&amp;Print Map…</source>
        <translation>打印地图(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="299"/>
        <source>&amp;Export Data…</source>
        <translation>导出数据(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="300"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="301"/>
        <source>&amp;Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="303"/>
        <source>&amp;Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="305"/>
        <source>Zoom to &amp;County</source>
        <translation>缩放至全县(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="306"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="308"/>
        <source>&amp;Map Only</source>
        <translation>只看地图(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="309"/>
        <source>Fold all panels away; again to bring them back</source>
        <translation>收起所有面板，再按一次恢复</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="310"/>
        <source>&amp;Reset Layout</source>
        <translation>恢复默认布局(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="315"/>
        <source>Draw &amp;Polygon</source>
        <translation>绘制多边形</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="315"/>
        <source>Draw &amp;Rectangle</source>
        <translation>绘制矩形</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="316"/>
        <source>Draw &amp;Circle</source>
        <translation>绘制圆形</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="316"/>
        <source>Circle with Typed &amp;Radius</source>
        <translation>按半径画圈</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="317"/>
        <source>&amp;Edit Vertices</source>
        <translation>编辑节点</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="317"/>
        <source>Pick &amp;Zone</source>
        <translation>选择区域(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="318"/>
        <source>&amp;Delete Zone</source>
        <translation>删除区域</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="319"/>
        <source>Select &amp;Villages/Communities</source>
        <translation>选择村（社区）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="319"/>
        <source>Select &amp;Grids</source>
        <translation>选择网格</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="320"/>
        <source>&amp;Lasso Select</source>
        <translation>套索选择</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="327"/>
        <source>&amp;Assign Tier to Selection</source>
        <translation>为所选单元划定等级</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="331"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="333"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="340"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="345"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="351"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="358"/>
        <source>&amp;Map</source>
        <translation>地图(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="359"/>
        <source>&amp;Basemap</source>
        <translation>底图(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="368"/>
        <source>Local MBTiles File…</source>
        <translation>本地 MBTiles 文件…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="372"/>
        <source>Tianditu &amp;Keys…</source>
        <translation>天地图密钥(&amp;K)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="374"/>
        <source>&amp;Zones</source>
        <translation>管控区域(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="379"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="380"/>
        <source>&amp;About Cordon</source>
        <translation>关于 Cordon(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="383"/>
        <source>Zones</source>
        <translation>管控区域</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="387"/>
        <source>Tier:</source>
        <translation>等级：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="398"/>
        <source> m</source>
        <translation> 米</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="399"/>
        <source>Radius of a circle placed with one click</source>
        <translation>单击放置的圆的半径</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="410"/>
        <source>Sample data</source>
        <translation>示例数据</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="486"/>
        <source>Read-only: another window edits this project</source>
        <translation>只读：另一个窗口正在编辑此项目</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="487"/>
        <source>Read-only: %1 role</source>
        <translation>只读：%1 角色</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="493"/>
        <source>The project is in use by another user or program; waiting… (%1 s)</source>
        <translation>项目正被其他用户或程序使用，正在等待…（%1 秒）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="535"/>
        <location filename="../../desktop/main_window.py" line="549"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage 文件 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="535"/>
        <source>Open Project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="549"/>
        <source>Save Project As</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="638"/>
        <source>Click the zone whose vertices to edit.</source>
        <translation>点击要编辑节点的区域。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="641"/>
        <source>Click the zone to delete; you will be asked first.</source>
        <translation>点击要删除的区域；删除前会先确认。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="686"/>
        <source>Add zone</source>
        <translation>添加区域</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="692"/>
        <source>Add “%1”</source>
        <translation>添加“%1”</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="694"/>
        <source>Added “%1” (%2); rename it in the zone panel if need be.</source>
        <translation>已添加“%1”（%2）；如需改名，请在管控区域面板中操作。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="705"/>
        <source>Zones Overlap</source>
        <translation>区域重叠</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="715"/>
        <source>Edit the outline of “%1”</source>
        <translation>编辑“%1”的边界</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="723"/>
        <source>Delete Zone</source>
        <translation>删除区域</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="723"/>
        <source>Delete zone “%1”?</source>
        <translation>删除区域“%1”？</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="730"/>
        <source>Delete “%1”</source>
        <translation>删除“%1”</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="733"/>
        <source>Deleted “%1” (Ctrl+Z brings it back).</source>
        <translation>已删除“%1”（Ctrl+Z 可恢复）。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="753"/>
        <source>The control zone layer is hidden: show it in the layer list to pick zones.</source>
        <translation>管控区域图层已隐藏：请在图层列表中勾选显示后再选择区域。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="753"/>
        <source>No control zone here.</source>
        <translation>此处没有管控区域。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="779"/>
        <source>%1 selected</source>
        <translation>已选择 %1 个</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="785"/>
        <source>Select villages, communities or grids first.</source>
        <translation>请先选择村（社区）或网格。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="811"/>
        <source>Open MBTiles</source>
        <translation>打开 MBTiles</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="811"/>
        <source>MBTiles (*.mbtiles)</source>
        <translation>MBTiles 文件 (*.mbtiles)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="817"/>
        <source>The language changes the next time Cordon starts.</source>
        <translation>语言将在下次启动 Cordon 时生效。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="415"/>
        <location filename="../../desktop/main_window.py" line="834"/>
        <source>Scale 1:%1</source>
        <translation>比例尺 1:%1</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="838"/>
        <source>About Cordon</source>
        <translation>关于 Cordon</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="839"/>
        <source>Cordon — one map for county epidemic control.</source>
        <translation>Cordon —— 县域疫情防控一张图。</translation>
    </message>
</context>
<context>
    <name>MapWidget</name>
    <message numerus="yes">
        <location filename="../../desktop/map_widget.py" line="289"/>
        <source> and %n more</source>
        <translation>
            <numerusform>等 %n 个</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="292"/>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="293"/>
        <source>Radius</source>
        <translation>半径</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="293"/>
        <source>%1 m</source>
        <translation>%1 米</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="294"/>
        <source>Since</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="295"/>
        <source>Days without a new case</source>
        <translation>无新增感染者天数</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="296"/>
        <source>Step-down date</source>
        <translation>预计降级日期</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="297"/>
        <source>Lifted</source>
        <translation>解除日期</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="298"/>
        <source>Population</source>
        <translation>人口</translation>
    </message>
    <message>
        <location filename="../../desktop/map_widget.py" line="299"/>
        <source>Households</source>
        <translation>户数</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/map_widget.py" line="300"/>
        <source>Units (%n)</source>
        <translation>
            <numerusform>包含单元（%n）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MappingPage</name>
    <message>
        <location filename="../../desktop/import_wizard.py" line="285"/>
        <source>Match the columns</source>
        <translation>匹配字段</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="287"/>
        <source>Choose the field each column of the file fills. The preview shows the first rows as they will be stored; values that cannot be imported are marked in red.</source>
        <translation>为文件的每一列选择对应的字段。预览显示前几行入库后的样子；无法导入的值以红色标出。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="292"/>
        <source>Column in file</source>
        <translation>文件中的列</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="292"/>
        <source>Example value</source>
        <translation>示例值</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="293"/>
        <location filename="../../desktop/import_wizard.py" line="301"/>
        <source>Import as</source>
        <translation>导入为</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="300"/>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="300"/>
        <source>Value in file</source>
        <translation>文件中的取值</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="300"/>
        <source>Rows</source>
        <translation>行数</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="306"/>
        <source>Values not recognised</source>
        <translation>未识别的取值</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="310"/>
        <source>These values match no entry of their field. Choose what each one means: the choice is remembered in the project for later imports. Rows of a value left unmatched are not imported and are listed in the report.</source>
        <translation>这些取值与字段的可用取值都对不上。请为每个取值选择含义，所选对应会记在项目中，以后导入时自动使用。未指定对应的取值所在行不会导入，并在报告中列出。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="320"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="402"/>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="428"/>
        <source>{count} rows could not be read; the report will list them.</source>
        <translation>{count} 行无法读取，将在报告中列出。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="438"/>
        <source>The file could not be read.</source>
        <translation>无法读取该文件。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="465"/>
        <source>(do not import)</source>
        <translation>（不导入）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="491"/>
        <source>(leave these rows out)</source>
        <translation>（不导入这些行）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="508"/>
        <source>The file does not say its coordinate system: go Back and choose one.</source>
        <translation>文件未声明坐标系：请返回上一步选择。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="544"/>
        <source>Showing {shown} of {total} rows.</source>
        <translation>显示 {shown} 行，共 {total} 行。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="547"/>
        <source>{count} values cannot be imported (marked red; point at one to see why). Their rows will be left out and listed in the report.</source>
        <translation>{count} 个值无法导入（以红色标出，鼠标悬停可查看原因）。所在行将不导入，并在报告中列出。</translation>
    </message>
</context>
<context>
    <name>NewProjectDialog</name>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="48"/>
        <location filename="../../desktop/new_project_dialog.py" line="171"/>
        <location filename="../../desktop/new_project_dialog.py" line="188"/>
        <source>New Project</source>
        <translation>新建项目</translation>
    </message>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="54"/>
        <source>County name or code, e.g. 叶县, 410422, 平顶山市 叶县</source>
        <translation>县级行政区名称或代码，如 叶县、410422、平顶山市 叶县</translation>
    </message>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="64"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="68"/>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="83"/>
        <source>County (name or code):</source>
        <translation>县（名称或代码）：</translation>
    </message>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="93"/>
        <source>Project file:</source>
        <translation>项目文件：</translation>
    </message>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="172"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage 文件 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../desktop/new_project_dialog.py" line="188"/>
        <source>%1 already exists. Replace it?</source>
        <translation>%1 已存在。要替换它吗？</translation>
    </message>
</context>
<context>
    <name>PagePreview</name>
    <message>
        <location filename="../../desktop/print_dialog.py" line="523"/>
        <source>Updating the preview…</source>
        <translation>正在更新预览…</translation>
    </message>
</context>
<context>
    <name>PrintDialog</name>
    <message>
        <location filename="../../desktop/print_dialog.py" line="83"/>
        <source>Print Map</source>
        <translation>打印地图</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="113"/>
        <source>Portrait</source>
        <translation>纵向</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="114"/>
        <source>Landscape</source>
        <translation>横向</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="118"/>
        <source>Optional, e.g. the briefing it is for</source>
        <translation>可选，如用于哪次会商</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="120"/>
        <source>The unit issuing the map</source>
        <translation>出图单位名称</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="121"/>
        <source>Secrecy marking:</source>
        <translation>密级标志：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="123"/>
        <source>Clear to print the map without a secrecy marking</source>
        <translation>取消勾选则不打印密级标志</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="127"/>
        <source>Whole county</source>
        <translation>全县</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="128"/>
        <source>One town</source>
        <translation>单个乡镇（街道）</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="130"/>
        <source>Current map view</source>
        <translation>当前地图视图</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="136"/>
        <source>Aggregated: case counts per grid</source>
        <translation>汇总：按网格统计病例数</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="137"/>
        <source>Exact: case points</source>
        <translation>精确：病例点位</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="140"/>
        <source>Exact mode prints every case as a point. It is for the command room only: do not hand it out, post it or send it on. (Names, ID numbers and phone numbers are never printed.)</source>
        <translation>精确模式将每个病例打印为一个点，仅限指挥部内部使用，不得分发、张贴或转发。（姓名、身份证号和手机号一律不打印。）</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="143"/>
        <source>Include the summary tables</source>
        <translation>附带汇总表</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="146"/>
        <source>Offline basemap</source>
        <translation>离线底图</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="148"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="150"/>
        <source>None: a single page</source>
        <translation>无：单页</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="151"/>
        <source>One page per town</source>
        <translation>每个乡镇（街道）一页</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="152"/>
        <source>One page per control zone</source>
        <translation>每个管控区域一页</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="160"/>
        <source>Export PDF…</source>
        <translation>导出 PDF…</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="161"/>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="166"/>
        <source>Paper:</source>
        <translation>纸张：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="167"/>
        <source>Orientation:</source>
        <translation>方向：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="168"/>
        <source>Page</source>
        <translation>页面</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="171"/>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="172"/>
        <source>Subtitle:</source>
        <translation>副标题：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="173"/>
        <source>Issuing unit:</source>
        <translation>出图单位：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="175"/>
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="184"/>
        <source>Extent:</source>
        <translation>范围：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="185"/>
        <source>Privacy:</source>
        <translation>隐私：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="187"/>
        <source>Basemap:</source>
        <translation>底图：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="188"/>
        <source>Atlas:</source>
        <translation>分幅图册：</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="190"/>
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="286"/>
        <source>Choose an MBTiles Basemap</source>
        <translation>选择 MBTiles 底图</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="287"/>
        <source>MBTiles (*.mbtiles)</source>
        <translation>MBTiles 文件 (*.mbtiles)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="299"/>
        <source>PDF (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="303"/>
        <source>PNG image, 300 dpi (*.png)</source>
        <translation>PNG 图片，300 dpi (*.png)</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="324"/>
        <source>An atlas is written as one PDF</source>
        <translation>分幅图册输出为一个 PDF 文件</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="331"/>
        <source>Export Map</source>
        <translation>导出地图</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="363"/>
        <source>Writing {file}…</source>
        <translation>正在写入 {file}…</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="449"/>
        <source>Atlas of {pages} pages; shown: the county map of its cover</source>
        <translation>图册共 {pages} 页；此处显示封面的全县地图</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="421"/>
        <source>The map could not be written.</source>
        <translation>无法写入地图文件。</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="424"/>
        <source>The preview could not be drawn.</source>
        <translation>无法绘制预览。</translation>
    </message>
</context>
<context>
    <name>ProjectClaim</name>
    <message>
        <location filename="../../desktop/project_claim.py" line="34"/>
        <source>Project in Use</source>
        <translation>项目正被使用</translation>
    </message>
    <message>
        <location filename="../../desktop/project_claim.py" line="37"/>
        <source>Open it read-only, or edit it anyway? Edits by both windows are kept, but each window sees the other&apos;s only after a refresh.</source>
        <translation>以只读方式打开，还是仍然编辑？两个窗口的修改都会保存，但各自要刷新后才能看到对方的修改。</translation>
    </message>
    <message>
        <location filename="../../desktop/project_claim.py" line="38"/>
        <source>Open Read-Only</source>
        <translation>只读打开</translation>
    </message>
    <message>
        <location filename="../../desktop/project_claim.py" line="39"/>
        <source>Edit Anyway</source>
        <translation>仍然编辑</translation>
    </message>
    <message>
        <location filename="../../desktop/project_claim.py" line="51"/>
        <source>Project on a Network Share</source>
        <translation>项目位于网络共享</translation>
    </message>
</context>
<context>
    <name>ProposalDialog</name>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="75"/>
        <source>Propose Zones</source>
        <translation>生成划定建议</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="80"/>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="84"/>
        <source>As of:</source>
        <translation>截至：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="85"/>
        <source>Cases of the last:</source>
        <translation>病例统计范围：近</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="86"/>
        <source>Small circle radius:</source>
        <translation>小圈半径：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="87"/>
        <source>Large circle radius:</source>
        <translation>大圈半径：</translation>
    </message>
</context>
<context>
    <name>ProposalReview</name>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="38"/>
        <source>Proposal — nothing is stored until you accept</source>
        <translation>划定建议 —— 接受之前不会保存</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="43"/>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="43"/>
        <source>Zone</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="43"/>
        <source>Units</source>
        <translation>单元</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="43"/>
        <source>Population</source>
        <translation>人口</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="44"/>
        <source>Changes</source>
        <translation>变更内容</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="45"/>
        <source>Accept Ticked Zones</source>
        <translation>接受所勾选区域</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="46"/>
        <source>Reject</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="71"/>
        <source>%1 zones for %2 infections reported %3 to %4.</source>
        <translation>针对 %3 至 %4 报告的 %2 例感染者，建议划定 %1 个区域。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="75"/>
        <source>%1 more lie outside every unit and are left out.</source>
        <translation>另有 %1 例不在任何单元内，未纳入。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="79"/>
        <source>Unchanged zones and zones that may be lifted or stepped down are not changed by accepting.</source>
        <translation>接受建议不会改动“不变”和“可解除或降级”的区域。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="144"/>
        <source>Not changed by accepting: pick it to select the zone in the list, then step it down or lift it there.</source>
        <translation>接受建议不会改动此区域：点击它可在区域列表中选中，再在那里降级或解除。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="146"/>
        <source>The rest of the county: tick it to store it as a zone too.</source>
        <translation>县内其余地区：勾选后一并保存为管控区域。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="158"/>
        <source>no recent infection supports it</source>
        <translation>近期无感染者支持</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/proposal_review.py" line="158"/>
        <source>proposed as %1</source>
        <translation>建议为%1</translation>
    </message>
</context>
<context>
    <name>ReportPage</name>
    <message>
        <location filename="../../desktop/import_wizard.py" line="576"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="582"/>
        <source>Cancel import</source>
        <translation>取消导入</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="586"/>
        <source>Copy report</source>
        <translation>复制报告</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="609"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="639"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="660"/>
        <source>The import is complete. Click Finish to close.</source>
        <translation>导入完成。点击“完成”关闭。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="674"/>
        <source>Nothing was imported. Go Back to change the settings, or Cancel to close.</source>
        <translation>未导入任何数据。点击“上一步”修改设置，或点击“取消”关闭。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="675"/>
        <source>The import failed unexpectedly; nothing was imported.</source>
        <translation>导入意外失败，未导入任何数据。</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="693"/>
        <source>Rows not imported:</source>
        <translation>未导入的行：</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="698"/>
        <source>Reading the file…</source>
        <translation>正在读取文件…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="698"/>
        <source>Checking values…</source>
        <translation>正在校验数据…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="699"/>
        <source>Checking and repairing geometries…</source>
        <translation>正在检查并修复几何图形…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="699"/>
        <source>Converting coordinates…</source>
        <translation>正在转换坐标…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="700"/>
        <source>Writing to the project…</source>
        <translation>正在写入项目…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="700"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../desktop/import_wizard.py" line="704"/>
        <source>Starting…</source>
        <translation>正在准备…</translation>
    </message>
</context>
<context>
    <name>SavedNote</name>
    <message>
        <location filename="../../desktop/print_dialog.py" line="744"/>
        <source>Open Folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop/print_dialog.py" line="754"/>
        <source>Saved: {file}</source>
        <translation>已保存：{file}</translation>
    </message>
</context>
<context>
    <name>SchemeDialog</name>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="32"/>
        <source>Custom Tier Scheme</source>
        <translation>自定义等级方案</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="36"/>
        <source>Chinese name</source>
        <translation>中文名称</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="36"/>
        <source>English name</source>
        <translation>英文名称</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="36"/>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="36"/>
        <source>Quiet days</source>
        <translation>无新增天数</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="37"/>
        <source>Test round</source>
        <translation>需全员核酸</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="37"/>
        <source>Round window (days)</source>
        <translation>核酸时限（天）</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="37"/>
        <source>Days after step-down</source>
        <translation>降级后天数</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="39"/>
        <source>Contact days</source>
        <translation>密接观察天数</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="53"/>
        <source>— : the tier&apos;s own rule also after a step down</source>
        <translation>—：降级后仍按本等级规则</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="68"/>
        <source>Scheme name:</source>
        <translation>方案名称：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="72"/>
        <source>Management periods of this scheme (kept with it):</source>
        <translation>本方案的管理期限（随方案保存）：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/scheme_dialog.py" line="92"/>
        <source>Tier Colour</source>
        <translation>等级颜色</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="81"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="85"/>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="86"/>
        <source>Control Circles</source>
        <translation>管控圈</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="87"/>
        <source>Capacity and Demand</source>
        <translation>容量与需求</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="88"/>
        <source>Testing</source>
        <translation>核酸检测</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="89"/>
        <source>Tier Scheme</source>
        <translation>分级方案</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="104"/>
        <source>key1, key2</source>
        <translation>密钥1, 密钥2</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="107"/>
        <source>Tianditu keys:</source>
        <translation>天地图密钥：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="109"/>
        <source>One or more keys from tianditu.gov.cn, separated by commas; used by the Tianditu basemaps under Map → Basemap. Other basemaps need no key.</source>
        <translation>一个或多个天地图（tianditu.gov.cn）密钥，以逗号分隔；用于 地图 → 底图 中的天地图底图。其他底图无需密钥。</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="115"/>
        <source> m</source>
        <translation> 米</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="121"/>
        <source>Small circle radius:</source>
        <translation>小圈半径：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="122"/>
        <source>Large circle radius:</source>
        <translation>大圈半径：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="124"/>
        <source>No official radius exists: these are this county&apos;s settings. They are the defaults of control circles and of zone proposals.</source>
        <translation>国家未规定统一半径，以下为本县设置，用作管控圈和划定建议的默认半径。</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="130"/>
        <source> rooms per 10,000</source>
        <translation> 间/万人</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="134"/>
        <location filename="../../desktop/settings_dialog.py" line="152"/>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="138"/>
        <source>Capacity standard:</source>
        <translation>隔离房间标准：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="140"/>
        <source>Isolation rooms a county and each town should have per 10,000 residents (national: 20).</source>
        <translation>全县及各乡镇每万人应有的隔离房间数（国家标准：20）。</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="141"/>
        <source>Close contacts per new infection:</source>
        <translation>每例新增感染者的密接人数：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="142"/>
        <source>Secondary contacts per new infection:</source>
        <translation>每例新增感染者的次密接人数：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="143"/>
        <source>New infections a day averaged over:</source>
        <translation>日均新增感染者按最近天数计：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="144"/>
        <source>Demand forecast for the next:</source>
        <translation>需求预测天数：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="145"/>
        <source>Each contact needs one room. Set the ratios from the local tracing figures.</source>
        <translation>每名密接、次密接需一间房。请按本地流调数据设置比例。</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="150"/>
        <source> people</source>
        <translation> 人</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="151"/>
        <source> hours</source>
        <translation> 小时</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="155"/>
        <source>People sampled per point an hour:</source>
        <translation>每个采样点每小时采样人数：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="156"/>
        <source>Sampling hours a day:</source>
        <translation>每天采样小时数：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="157"/>
        <source>Test everyone within:</source>
        <translation>全员检测完成天数：</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="159"/>
        <source>Used by the mass-testing plan (Dashboard → Testing) to count the sampling points each town or grid needs.</source>
        <translation>用于全员核酸检测方案（指挥看板 → 核酸检测），计算各乡镇或网格所需采样点数。</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="166"/>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="166"/>
        <source>Quiet days</source>
        <translation>无新增天数</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="166"/>
        <source>Test round</source>
        <translation>核酸检测轮次</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="166"/>
        <source>Days after step-down</source>
        <translation>降级后天数</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="167"/>
        <source>Contact days</source>
        <translation>密接天数</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="170"/>
        <source>Edit Tier Scheme…</source>
        <translation>编辑分级方案…</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="178"/>
        <source>The tier scheme is saved in the project: everyone who opens the project works with the same periods. Presets are chosen in the zone panel.</source>
        <translation>分级方案保存在项目中：打开此项目的每个人使用相同的期限。预设方案在“管控区域”面板中选择。</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="181"/>
        <source>Only an admin of the project can change it, and not while the project is open read-only.</source>
        <translation>只有项目的管理员（admin 角色）可以修改分级方案；以只读方式打开项目时不能修改。</translation>
    </message>
    <message>
        <location filename="../../desktop/settings_dialog.py" line="188"/>
        <source>Tier scheme of this project: %1</source>
        <translation>本项目的分级方案：%1</translation>
    </message>
</context>
<context>
    <name>SnapDialog</name>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="141"/>
        <source>Snap to Units</source>
        <translation>转为管控单元</translation>
    </message>
</context>
<context>
    <name>SnapOptions</name>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="39"/>
        <source>Villages and communities</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="40"/>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="51"/>
        <source>Units:</source>
        <translation>单元：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="52"/>
        <source>Rule:</source>
        <translation>规则：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="53"/>
        <source>Covered share at least:</source>
        <translation>覆盖比例不低于：</translation>
    </message>
</context>
<context>
    <name>StartChecklist</name>
    <message>
        <location filename="../../desktop/start_checklist.py" line="30"/>
        <source>Import village boundaries</source>
        <translation>导入村界</translation>
    </message>
    <message>
        <location filename="../../desktop/start_checklist.py" line="30"/>
        <source>Import grids</source>
        <translation>导入网格</translation>
    </message>
    <message>
        <location filename="../../desktop/start_checklist.py" line="31"/>
        <source>Import isolation sites</source>
        <translation>导入隔离点</translation>
    </message>
    <message>
        <location filename="../../desktop/start_checklist.py" line="32"/>
        <source>Import cases</source>
        <translation>导入病例</translation>
    </message>
    <message>
        <location filename="../../desktop/start_checklist.py" line="33"/>
        <source>This project is empty. Start with your county&apos;s files:</source>
        <translation>项目还没有数据，先导入本县的文件：</translation>
    </message>
    <message>
        <location filename="../../desktop/start_checklist.py" line="38"/>
        <source>Hide this list</source>
        <translation>隐藏此清单</translation>
    </message>
    <message>
        <location filename="../../desktop/start_checklist.py" line="51"/>
        <source>Or drop a file onto the map.</source>
        <translation>也可以把文件直接拖到地图上。</translation>
    </message>
</context>
<context>
    <name>TestRoundDialog</name>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="157"/>
        <source>Record Test Round</source>
        <translation>记录核酸检测轮次</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="164"/>
        <source>Zone:</source>
        <translation>区域：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="165"/>
        <source>Date:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="166"/>
        <source>Result:</source>
        <translation>结果：</translation>
    </message>
</context>
<context>
    <name>TestingTab</name>
    <message>
        <location filename="../../desktop/dashboard/testing.py" line="31"/>
        <source>Towns</source>
        <translation>乡镇（街道）</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/testing.py" line="32"/>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/dashboard/testing.py" line="55"/>
        <source>Testing everyone within {days} days at {rate} people per point an hour, {hours} hours a day: &lt;b&gt;{needed}&lt;/b&gt; sampling points needed, {present} present, &lt;span style=&apos;color:{alert}&apos;&gt;&lt;b&gt;{missing}&lt;/b&gt; missing&lt;/span&gt;.</source>
        <translation>{days} 天内完成全员检测，按每个采样点每小时 {rate} 人、每天 {hours} 小时计：需采样点 &lt;b&gt;{needed}&lt;/b&gt; 个，现有 {present} 个，&lt;span style=&apos;color:{alert}&apos;&gt;缺 &lt;b&gt;{missing}&lt;/b&gt; 个&lt;/span&gt;。</translation>
    </message>
</context>
<context>
    <name>ZonePanel</name>
    <message>
        <location filename="../../desktop/zone_panel/widgets.py" line="35"/>
        <source> m</source>
        <translation> 米</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="70"/>
        <source>Control Zones</source>
        <translation>管控区域</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="88"/>
        <source>Countdowns and actions are for this day</source>
        <translation>倒计时和操作均以此日期为准</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="112"/>
        <source>As of:</source>
        <translation>截至：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="113"/>
        <source>Tier scheme:</source>
        <translation>等级方案：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="164"/>
        <source>Propose Zones…</source>
        <translation>生成划定建议…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="165"/>
        <source>Propose zones for the infections of the last days, to review</source>
        <translation>根据近几日的感染者生成区域划定建议，供审核</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="166"/>
        <source>Control Circles…</source>
        <translation>管控圈…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="167"/>
        <source>A small and a large circle around selected cases or a clicked point</source>
        <translation>围绕所选病例或点选位置画大、小两个管控圈</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="168"/>
        <source>Snap to Units…</source>
        <translation>转为管控单元…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="169"/>
        <source>Replace the selected circle or drawn zone by the units it covers</source>
        <translation>用所选管控圈或手绘区域覆盖的单元替换该区域</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="170"/>
        <source>Changes Since…</source>
        <translation>变化情况…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="171"/>
        <source>Effective Tiers</source>
        <translation>生效等级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="172"/>
        <source>Where zones overlap the highest tier wins</source>
        <translation>区域重叠处按最高等级计</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="174"/>
        <source>Step Down</source>
        <translation>降级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="175"/>
        <source>Step the zone down one tier (refused unless ready)</source>
        <translation>将区域降低一级（未满足条件时不允许）</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="176"/>
        <source>Lift</source>
        <translation>解除</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="177"/>
        <source>Test Round…</source>
        <translation>核酸检测轮次…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="178"/>
        <source>Record a full test round of the zone</source>
        <translation>记录该区域的一轮全员核酸检测</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="179"/>
        <source>Report…</source>
        <translation>区域报告…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="180"/>
        <source>Units, people, sites and cases inside the zone</source>
        <translation>区域内的单元、人口、场所和病例</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="181"/>
        <source>Rename…</source>
        <translation>改名…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="181"/>
        <source>Give the zone another name</source>
        <translation>给区域改名</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="182"/>
        <source>Change Tier</source>
        <translation>调整等级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="310"/>
        <source>Custom…</source>
        <translation>自定义…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="335"/>
        <source>Tier scheme: %1</source>
        <translation>等级方案：%1</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="424"/>
        <source>Change {zone} to %1</source>
        <translation>将{zone}调整为%1</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="433"/>
        <source>Step down {zone}</source>
        <translation>{zone}降级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="442"/>
        <source>Step down {zone} early</source>
        <translation>{zone}提前降级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="448"/>
        <source>Not Ready to Step Down</source>
        <translation>尚不满足降级条件</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="453"/>
        <source>Step it down to %1 anyway, although the condition above is not met? The early step is logged.</source>
        <translation>上述条件尚未满足，仍要降为%1吗？提前降级将记入日志。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="454"/>
        <source>Step Down Anyway</source>
        <translation>仍然降级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="460"/>
        <source>Lift {zone}</source>
        <translation>解除{zone}</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="470"/>
        <source>Test round of {zone} on %1</source>
        <translation>记录{zone} %1 核酸检测</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="478"/>
        <source>Rename Zone</source>
        <translation>区域改名</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="478"/>
        <source>New name of “%1”:</source>
        <translation>“%1”的新名称：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="482"/>
        <source>Rename “{zone}” to “%1”</source>
        <translation>将“{zone}”改名为“%1”</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="505"/>
        <source>No unit is covered under this rule; the zone is left as it is.</source>
        <translation>按此规则未覆盖任何单元，区域保持不变。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zone_panel/panel.py" line="507"/>
        <source>Snap {zone} to %n unit(s)</source>
        <translation>
            <numerusform>将{zone}转为 %n 个单元</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="542"/>
        <source>Add control circles</source>
        <translation>添加管控圈</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="551"/>
        <source>Click the map where the circles go (Esc cancels).</source>
        <translation>在地图上点击圆心位置（按 Esc 取消）。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="600"/>
        <source>Proposing zones…</source>
        <translation>正在生成划定建议…</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="625"/>
        <source>No confirmed or asymptomatic cases from %1 to %2: nothing to propose.</source>
        <translation>%1 至 %2 无确诊病例或无症状感染者，无需生成建议。</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/panel.py" line="666"/>
        <source>Nothing ticked to apply: the zones stay as they are.</source>
        <translation>没有勾选要应用的区域，管控区域保持不变。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zone_panel/panel.py" line="669"/>
        <source>Apply proposal (%n zone(s))</source>
        <translation>
            <numerusform>采用划定建议（%n 个区域）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ZoneReportDialog</name>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="186"/>
        <source>Zone Report</source>
        <translation>区域报告</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="192"/>
        <source>Villages and communities:</source>
        <translation>村（社区）：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="193"/>
        <source>Grids:</source>
        <translation>网格：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="194"/>
        <source>Population:</source>
        <translation>人口：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="195"/>
        <source>Households:</source>
        <translation>户数：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="196"/>
        <source>Isolation sites:</source>
        <translation>集中隔离场所：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="198"/>
        <source>Facilities:</source>
        <translation>设施：</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="201"/>
        <source>Cases inside</source>
        <translation>区域内病例</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/dialogs.py" line="215"/>
        <source>Units inside:</source>
        <translation>区域内单元：</translation>
    </message>
</context>
<context>
    <name>ZoneTableModel</name>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="33"/>
        <source>Zone</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="33"/>
        <location filename="../../desktop/zone_panel/table_model.py" line="35"/>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="33"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="33"/>
        <source>Since</source>
        <translation>起始日</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="33"/>
        <source>Quiet days</source>
        <translation>无新增天数</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="34"/>
        <source>Step down</source>
        <translation>预计降级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="34"/>
        <location filename="../../desktop/zone_panel/table_model.py" line="96"/>
        <source>Ready</source>
        <translation>可降级</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="34"/>
        <source>People</source>
        <translation>人口</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="35"/>
        <location filename="../../desktop/zone_panel/table_model.py" line="38"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="35"/>
        <source>Zone name</source>
        <translation>区域名称</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="35"/>
        <source>Kind of zone</source>
        <translation>区域类型</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="35"/>
        <source>Day the zone entered its tier</source>
        <translation>区域进入当前等级的日期</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="36"/>
        <source>Days since the last new infection inside</source>
        <translation>区域内最后一例新增感染者以来的天数</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="36"/>
        <source>Projected first day it may step down</source>
        <translation>预计最早可降级日期</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="37"/>
        <source>Ready to step down on the as-of day</source>
        <translation>截至所选日期已满足降级条件</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="37"/>
        <source>Population inside</source>
        <translation>区域内人口</translation>
    </message>
    <message>
        <location filename="../../desktop/zone_panel/table_model.py" line="109"/>
        <source>Not yet: %1</source>
        <translation>尚未满足：%1</translation>
    </message>
</context>
</TS>
