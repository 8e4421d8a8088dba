<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ChoiceDialog</name>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="41" />
        <source>Choose a continuation</source>
        <translation>选择一个续写</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="49" />
        <source>Use &amp;{0}</source>
        <translation>使用 &amp;{0}</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <location filename="../../writer_app/ui/file_watch.py" line="71" />
        <source>{name}: on disk and in Writer</source>
        <translation>{name}：磁盘上的版本与 Writer 中的版本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/file_watch.py" line="76" />
        <source>on disk</source>
        <translation>磁盘上</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/file_watch.py" line="76" />
        <source>in Writer</source>
        <translation>Writer 中</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/file_watch.py" line="77" />
        <source>The texts are the same.</source>
        <translation>两份文本相同。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/file_watch.py" line="79" />
        <source>Reload</source>
        <translation>重新载入</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/file_watch.py" line="81" />
        <source>Keep mine</source>
        <translation>保留我的</translation>
    </message>
</context>
<context>
    <name>CompletionController</name>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="97" />
        <source>&amp;Suggest</source>
        <translation>建议(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="100" />
        <source>Suggest how the text goes on, in grey: Tab accepts it, Ctrl+Right one word, Alt+] the next alternative, Esc dismisses it ({0})</source>
        <translation>以灰色文字建议接下来的内容：Tab 接受，Ctrl+Right 接受一个词，Alt+] 下一个备选，Esc 取消（{0}）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="103" />
        <source>Suggest While &amp;Idle</source>
        <translation>停顿时自动建议(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="166" />
        <source>Suggestions need a cursor, not a selection</source>
        <translation>建议需要光标位置，而不是选中的文字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="185" />
        <source>No suggestion: {0}</source>
        <translation>没有建议：{0}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="200" />
        <source>The model has no suggestion here</source>
        <translation>模型在这里没有建议</translation>
    </message>
</context>
<context>
    <name>ContinueThree</name>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="74" />
        <source>Continue ×&amp;3</source>
        <translation>续写 ×&amp;3</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="76" />
        <source>Sample three continuations and choose one; the others stay as versions ({0})</source>
        <translation>采样三个续写并选择一个；其余的保留为版本（{0}）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="97" />
        <source>Sampling three continuations…</source>
        <translation>正在采样三个续写…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="107" />
        <source>Continue ×3 failed: {0}</source>
        <translation>续写 ×3 失败：{0}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="126" />
        <source>The text changed; ask again</source>
        <translation>文字已更改；请重新请求</translation>
    </message>
</context>
<context>
    <name>CountsController</name>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="126" />
        <source>&amp;Word Count</source>
        <translation>字数统计(&amp;W)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="129" />
        <source>Show words, characters and reading time in the status bar</source>
        <translation>在状态栏显示字数、字符数和阅读时间</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="133" />
        <source>Set Writing &amp;Goal…</source>
        <translation>设置写作目标(&amp;G)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="135" />
        <source>Words to write in this document today</source>
        <translation>今天要在这篇文档中写的字数</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="228" />
        <location filename="../../writer_app/ui/counts.py" line="237" />
        <source>Counting…</source>
        <translation>正在统计…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="229" />
        <source>Counting the words of the document…</source>
        <translation>正在统计文档字数…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="251" />
        <source>{count} word</source>
        <translation>{count} 字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="251" />
        <source>{count} words</source>
        <translation>{count} 字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="255" />
        <source>{count} character</source>
        <translation>{count} 字符</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="255" />
        <source>{count} characters</source>
        <translation>{count} 字符</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="259" />
        <source>{part} of {whole} words</source>
        <translation>{part} / {whole} 字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="260" />
        <source>{part} of {whole} characters</source>
        <translation>{part} / {whole} 字符</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="271" />
        <source>&lt; 1 min read</source>
        <translation>阅读不到 1 分钟</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="274" />
        <source>{minutes} min read</source>
        <translation>阅读约 {minutes} 分钟</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="275" />
        <source>{hours} h {minutes} min read</source>
        <translation>阅读约 {hours} 小时 {minutes} 分钟</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="280" />
        <source>Selection</source>
        <translation>选中部分</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="280" />
        <source>Document</source>
        <translation>全文</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="286" />
        <source>Words: {count}</source>
        <translation>字数：{count}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="287" />
        <source>Chinese and Japanese characters (one word each): {count}</source>
        <translation>中日文字符（每个计一字）：{count}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="289" />
        <source>Characters: {count}</source>
        <translation>字符数：{count}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="290" />
        <source>Characters without spaces: {count}</source>
        <translation>字符数（不计空格）：{count}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="292" />
        <source>Paragraphs: {count}</source>
        <translation>段落数：{count}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="294" />
        <source>Reading time: {time}</source>
        <translation>阅读时间：{time}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="297" />
        <source>Click to set a writing goal</source>
        <translation>点击设置写作目标</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="341" />
        <source>The writing goal could not be saved ({reason}); it holds until Writer closes</source>
        <translation>无法保存写作目标（{reason}）；在关闭 Writer 之前仍然有效</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="347" />
        <source>Writing goal: {written} of {target} words today</source>
        <translation>写作目标：今天已写 {written} / {target} 字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="360" />
        <source>Writing goal reached: {count} words today</source>
        <translation>已达成写作目标：今天写了 {count} 字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/counts.py" line="374" />
        <source>this untitled document</source>
        <translation>这篇未命名文档</translation>
    </message>
</context>
<context>
    <name>DocumentTabs</name>
    <message>
        <location filename="../../writer_app/ui/document_tabs.py" line="28" />
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/document_tabs.py" line="99" />
        <source>Not saved yet</source>
        <translation>尚未保存</translation>
    </message>
</context>
<context>
    <name>Documents</name>
    <message>
        <location filename="../../writer_app/ui/documents.py" line="95" />
        <source>Open Folder as Project</source>
        <translation>将文件夹作为项目打开</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/documents.py" line="205" />
        <source>Not reopened (no longer there): {names}</source>
        <translation>未重新打开（已不存在）：{names}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="73" />
        <source>Open &amp;Folder as Project…</source>
        <translation>将文件夹作为项目打开(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="75" />
        <source>List a folder's text files at the side, to open each chapter in a tab</source>
        <translation>在侧栏列出文件夹中的文本文件，每一章都可在标签页中打开</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="77" />
        <source>Close &amp;Project</source>
        <translation>关闭项目(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="78" />
        <source>&amp;Close Tab</source>
        <translation>关闭标签页(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="80" />
        <source>Next Tab</source>
        <translation>下一个标签页</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="82" />
        <source>Previous Tab</source>
        <translation>上一个标签页</translation>
    </message>
</context>
<context>
    <name>EngineMenu</name>
    <message>
        <location filename="../../writer_app/ui/engine_menu.py" line="38" />
        <source>&amp;Engine</source>
        <translation>引擎(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/engine_menu.py" line="42" />
        <location filename="../../writer_app/ui/engine_menu.py" line="99" />
        <source>&amp;Automatic</source>
        <translation>自动(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/engine_menu.py" line="57" />
        <source>&amp;Disconnect</source>
        <translation>断开连接(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/engine_menu.py" line="58" />
        <source>Stop using the server and load the model on this computer again</source>
        <translation>停止使用服务器，重新加载本机上的模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/engine_menu.py" line="98" />
        <source>&amp;Automatic ({backend})</source>
        <translation>自动(&amp;A)（{backend}）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/engine_menu.py" line="100" />
        <source>llama.cpp for GGUF models on a CPU when it is installed, else transformers</source>
        <translation>已安装 llama.cpp 时，在 CPU 上用它运行 GGUF 模型；否则使用 transformers</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/engine_menu.py" line="104" />
        <source>Server: {server}</source>
        <translation>服务器：{server}</translation>
    </message>
</context>
<context>
    <name>ExportMenu</name>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="51" />
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="54" />
        <source>&amp;HTML…</source>
        <translation>HTML(&amp;H)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="55" />
        <source>Write the document as a web page</source>
        <translation>将文档导出为网页</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="56" />
        <source>&amp;PDF…</source>
        <translation>PDF(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="57" />
        <source>Write the document as a PDF, ready to print</source>
        <translation>将文档导出为可直接打印的 PDF</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="58" />
        <source>&amp;Word (.docx)…</source>
        <translation>Word (.docx)(&amp;W)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="60" />
        <source>Write the document as a Word file</source>
        <translation>将文档导出为 Word 文件</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="76" />
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="107" />
        <source>Could not export {name}: {error}</source>
        <translation>无法导出 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="109" />
        <source>try another format, or report the problem</source>
        <translation>请换一种格式导出，或报告此问题</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="111" />
        <source>Exported {name}</source>
        <translation>已导出 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="139" />
        <source>{name} is the document itself</source>
        <translation>{name} 就是当前文档本身</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="140" />
        <source>choose another name for the export</source>
        <translation>请为导出文件另选一个名称</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="143" />
        <source>Export as HTML</source>
        <translation>导出为 HTML</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="143" />
        <source>Export as PDF</source>
        <translation>导出为 PDF</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/export_menu.py" line="144" />
        <source>Export as Word</source>
        <translation>导出为 Word</translation>
    </message>
</context>
<context>
    <name>FileController</name>
    <message>
        <location filename="../../writer_app/ui/documents.py" line="88" />
        <location filename="../../writer_app/ui/files.py" line="129" />
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/documents.py" line="89" />
        <location filename="../../writer_app/ui/files.py" line="130" />
        <location filename="../../writer_app/ui/files.py" line="153" />
        <source>Text files (*.txt *.md);;All files (*)</source>
        <translation>文本文件 (*.txt *.md);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="152" />
        <source>Save As</source>
        <translation>另存为</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="165" />
        <source>Not saved: {name} was left as the other program wrote it</source>
        <translation>未保存：{name} 保持为另一个程序写入的内容</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="184" />
        <source>{name} was changed by another program since Writer read it. Overwrite it with your text?</source>
        <translation>自 Writer 读取以来，{name} 已被另一个程序修改。要用你的文本覆盖它吗？</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="213" />
        <source>{name} was deleted or moved by another program</source>
        <translation>{name} 已被另一个程序删除或移动</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="215" />
        <source>your text is still here, unsaved: save it to write the file again</source>
        <translation>你的文本仍在这里，尚未保存：保存即可重新写入该文件</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="223" />
        <source>Reloaded {name}: another program changed it</source>
        <translation>已重新载入 {name}：另一个程序修改了它</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="231" />
        <source>{name} was changed by another program</source>
        <translation>{name} 已被另一个程序修改</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="232" />
        <source>your unsaved changes are still here</source>
        <translation>你未保存的修改仍在这里</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="233" />
        <source>Reload</source>
        <translation>重新载入</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="234" />
        <source>Keep mine</source>
        <translation>保留我的</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="235" />
        <source>Compare…</source>
        <translation>比较…</translation>
    </message>
</context>
<context>
    <name>FindBar</name>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="34" />
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="36" />
        <source>Match case</source>
        <translation>区分大小写</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="37" />
        <source>Whole word</source>
        <translation>全字匹配</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="41" />
        <source>Regular expression</source>
        <translation>正则表达式</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="42" />
        <source>In selection: find and replace only in the text selected when this is turned on</source>
        <translation>在选定内容中：只在开启此项时所选的文字中查找和替换</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="46" />
        <source>Previous match (Shift+F3)</source>
        <translation>上一个匹配项 (Shift+F3)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="47" />
        <source>Next match (F3)</source>
        <translation>下一个匹配项 (F3)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="48" />
        <source>Close (Esc)</source>
        <translation>关闭 (Esc)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="49" />
        <source>Replace with</source>
        <translation>替换为</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="51" />
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="52" />
        <source>Replace All</source>
        <translation>全部替换</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="53" />
        <source>Replace this match and go to the next (Enter)</source>
        <translation>替换此匹配项并转到下一个 (Enter)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_bar.py" line="54" />
        <source>Replace every match, as one undo step</source>
        <translation>替换所有匹配项（可一步撤销）</translation>
    </message>
</context>
<context>
    <name>FindController</name>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="85" />
        <source>&amp;Find…</source>
        <translation>查找(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="87" />
        <source>R&amp;eplace…</source>
        <translation>替换(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="89" />
        <source>Find &amp;Next</source>
        <translation>查找下一个(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="91" />
        <source>Find Pre&amp;vious</source>
        <translation>查找上一个(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="220" />
        <source>Select the text to search in first</source>
        <translation>请先选择要在其中搜索的文字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="247" />
        <source>Whole word does not apply to Chinese text</source>
        <translation>全字匹配不适用于中文文本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="248" />
        <source>Whole word</source>
        <translation>全字匹配</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="306" />
        <source>The search took longer than {seconds} s: simplify the expression</source>
        <translation>搜索用时超过 {seconds} 秒：请简化表达式</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="309" />
        <source> (at {position})</source>
        <translation>（位置 {position}）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="311" />
        <source>Bad replacement: {detail}{where}</source>
        <translation>替换内容有误：{detail}{where}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="313" />
        <source>Not a valid regular expression: {detail}{where}</source>
        <translation>不是有效的正则表达式：{detail}{where}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="332" />
        <location filename="../../writer_app/ui/find_controller.py" line="372" />
        <location filename="../../writer_app/ui/find_replace_all.py" line="83" />
        <source>No results</source>
        <translation>无结果</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="337" />
        <source>{total} found</source>
        <translation>找到 {total} 个</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="339" />
        <source>{current} of {total}</source>
        <translation>第 {current} 个，共 {total} 个</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="383" />
        <location filename="../../writer_app/ui/find_controller.py" line="394" />
        <source>Search wrapped to the top</source>
        <translation>已从头开始搜索</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="388" />
        <location filename="../../writer_app/ui/find_controller.py" line="395" />
        <source>Search wrapped to the bottom</source>
        <translation>已从末尾开始搜索</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_controller.py" line="403" />
        <source>Stop the generation before replacing</source>
        <translation>请先停止生成再替换</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_replace_all.py" line="62" />
        <source>Replacing…</source>
        <translation>正在替换…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_replace_all.py" line="123" />
        <source>Replacing… {percent}%</source>
        <translation>正在替换… {percent}%</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_replace_all.py" line="134" />
        <source>Replace All stopped because the document changed: {done} of {total} replaced</source>
        <translation>文档已更改，全部替换已停止：已替换 {done} 个，共 {total} 个</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/find_replace_all.py" line="138" />
        <source>Replaced {count} matches</source>
        <translation>已替换 {count} 处</translation>
    </message>
</context>
<context>
    <name>FocusMode</name>
    <message>
        <location filename="../../writer_app/ui/focus_mode.py" line="53" />
        <source>&amp;Focus Mode</source>
        <translation>专注模式(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/focus_mode.py" line="55" />
        <source>Only the text, full screen (F11; Esc leaves)</source>
        <translation>全屏只显示正文（F11；按 Esc 退出）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/focus_mode.py" line="59" />
        <source>Text &amp;Layout…</source>
        <translation>文本排版(&amp;L)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/focus_mode.py" line="61" />
        <source>Line width, line spacing and typewriter scrolling</source>
        <translation>行宽、行距和打字机滚动</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/focus_mode.py" line="64" />
        <source>Press F11 or Esc to leave focus mode</source>
        <translation>按 F11 或 Esc 退出专注模式</translation>
    </message>
</context>
<context>
    <name>GenerationController</name>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="146" />
        <source>Waiting for the model to load…</source>
        <translation>正在等待模型加载…</translation>
    </message>
</context>
<context>
    <name>GoalDialog</name>
    <message>
        <location filename="../../writer_app/ui/goal_dialog.py" line="19" />
        <source>Writing Goal</source>
        <translation>写作目标</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/goal_dialog.py" line="21" />
        <source>Words to write today in {name}:</source>
        <translation>今天要在 {name} 中写的字数：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/goal_dialog.py" line="26" />
        <source>No goal</source>
        <translation>无目标</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/goal_dialog.py" line="29" />
        <source>Today's words are those added since the document was first opened today: its word count now less its count then.</source>
        <translation>今天的字数是指从今天第一次打开文档以来新增的字数：当前字数减去当时的字数。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/goal_dialog.py" line="32" />
        <source>{count} so far.</source>
        <translation>目前已写 {count} 字。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/goal_dialog.py" line="34" />
        <source>An untitled document keeps its goal until Writer closes; save it to keep the goal.</source>
        <translation>未命名文档的目标只保留到关闭 Writer；保存文档即可保留目标。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/goal_dialog.py" line="43" />
        <source>Remove Goal</source>
        <translation>移除目标</translation>
    </message>
</context>
<context>
    <name>HotExit</name>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="169" />
        <source>just now</source>
        <translation>刚才</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="171" />
        <source>{count} minutes ago</source>
        <translation>{count} 分钟前</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="174" />
        <source>{count} hours ago</source>
        <translation>{count} 小时前</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="176" />
        <source>on {date}</source>
        <translation>于 {date}</translation>
    </message>
</context>
<context>
    <name>InstructionsField</name>
    <message>
        <location filename="../../writer_app/ui/instructions.py" line="26" />
        <source>Instructions / memory</source>
        <translation>指示 / 记忆</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="173" />
        <source>Next tokens</source>
        <translation>下一个词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="177" />
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="72" />
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="84" />
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="85" />
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="86" />
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="87" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="89" />
        <source>&amp;Continue</source>
        <translation>续写(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="90" />
        <source>Let the model continue the text before the cursor (Ctrl+Enter)</source>
        <translation>让模型续写光标前的文字（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="93" />
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="94" />
        <source>Stop the generation (Esc)</source>
        <translation>停止生成（Esc）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="96" />
        <source>&amp;Retry</source>
        <translation>重试(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="97" />
        <source>Replace the last generation with a new sample (Ctrl+R)</source>
        <translation>用新的采样替换上一次生成（Ctrl+R）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="100" />
        <source>&amp;Choose Model…</source>
        <translation>选择模型(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="101" />
        <source>Choose the model, device and precision</source>
        <translation>选择模型、设备和精度</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="102" />
        <source>&amp;Default Model</source>
        <translation>默认模型(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="104" />
        <source>Open Model &amp;Folder…</source>
        <translation>打开模型文件夹(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="105" />
        <source>Open &amp;GGUF File…</source>
        <translation>打开 GGUF 文件(&amp;G)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="106" />
        <source>Load from &amp;Hub…</source>
        <translation>从 Hub 加载(&amp;H)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="107" />
        <source>C&amp;ancel Loading</source>
        <translation>取消加载(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="109" />
        <source>Connect to &amp;Server…</source>
        <translation>连接到服务器(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="111" />
        <source>Write with a model on an OpenAI-compatible server (vLLM, llama.cpp, Ollama, …)</source>
        <translation>使用兼容 OpenAI 接口的服务器（vLLM、llama.cpp、Ollama 等）上的模型写作</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="113" />
        <source>Insert Candidate {n}</source>
        <translation>插入候选词 {n}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="118" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="120" />
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="131" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="132" />
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="134" />
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="141" />
        <source>Insert &amp;Candidate</source>
        <translation>插入候选词(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="147" />
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="153" />
        <source>Recent Ser&amp;vers</source>
        <translation>最近的服务器(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="161" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="211" />
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="171" />
        <source>&amp;Instructions / Memory</source>
        <translation>指示 / 记忆(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="177" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="178" />
        <source>&amp;About Writer</source>
        <translation>关于 Writer(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="179" />
        <source>&amp;Copy Diagnostics</source>
        <translation>复制诊断信息(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="181" />
        <source>Generation</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="25" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="27" />
        <source>Stop loading; the current model stays</source>
        <translation>停止加载；保留当前模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="29" />
        <location filename="../../writer_app/ui/status_bar.py" line="74" />
        <source>No model</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="36" />
        <location filename="../../writer_app/ui/status_bar.py" line="75" />
        <source>The loaded model</source>
        <translation>已加载的模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="37" />
        <source>Where the model runs</source>
        <translation>模型运行的位置</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="38" />
        <source>The precision the model computes in</source>
        <translation>模型的计算精度</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="39" />
        <source>Speed of the last generation</source>
        <translation>上一次生成的速度</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="41" />
        <location filename="../../writer_app/ui/status_bar.py" line="105" />
        <source>Tokens of text given to the model / the most it takes</source>
        <translation>提供给模型的词元数 / 模型最多可接受的词元数</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="138" />
        <source>Loading {spec}…</source>
        <translation>正在加载 {spec}…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="187" />
        <source>Loading cancelled; still using {name}</source>
        <translation>已取消加载；仍在使用 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="189" />
        <source>Loading cancelled</source>
        <translation>已取消加载</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="197" />
        <source>Could not load {spec}: {reason}</source>
        <translation>无法加载 {spec}：{reason}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="199" />
        <source>still using {name}; </source>
        <translation>仍在使用 {name}；</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="91" />
        <source>Precision: {precision}</source>
        <translation>精度：{precision}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="161" />
        <source>{name} is ready</source>
        <translation>{name} 已就绪</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="168" />
        <source>Generation failed: {reason}</source>
        <translation>生成失败：{reason}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="188" />
        <source>Token {n}: drew “{token}” ({percent}% under the settings)</source>
        <translation>第 {n} 个词元：抽中“{token}”（当前设置下 {percent}%）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="193" />
        <source>Token {n}: drew a token outside the top list</source>
        <translation>第 {n} 个词元：抽中列表之外的词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="96" />
        <source>{rate} tokens/s</source>
        <translation>{rate} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="204" />
        <source>, seed {seed}</source>
        <translation>，种子 {seed}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="207" />
        <source>{tokens} tokens at {rate}/s — {reason}</source>
        <translation>{tokens} 个词元，{rate}/秒 — {reason}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="212" />
        <source>the model ended the text</source>
        <translation>模型结束了文本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="213" />
        <source>reached the length limit</source>
        <translation>达到长度上限</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="214" />
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="215" />
        <source>the context window is full</source>
        <translation>上下文窗口已满</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="102" />
        <source>Context {used} / {window}</source>
        <translation>上下文 {used} / {window}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="106" />
        <source>The oldest {count} tokens did not fit and were left out.</source>
        <translation>最早的 {count} 个词元放不下，已被略去。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/pane_refresh.py" line="142" />
        <source>After “{text}”</source>
        <translation>在“{text}”之后</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/pane_refresh.py" line="140" />
        <source>At the start of the document</source>
        <translation>在文档开头</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="109" />
        <source>Opened {name}</source>
        <translation>已打开 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="113" />
        <source>{name} will be created when you save</source>
        <translation>保存时将创建 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="177" />
        <source>Saved {name}</source>
        <translation>已保存 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="195" />
        <location filename="../../writer_app/ui/files.py" line="300" />
        <location filename="../../writer_app/ui/main_window.py" line="323" />
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="302" />
        <source>Restored unsaved changes to {name} from {when}</source>
        <translation>已恢复 {name} 中 {when} 未保存的更改</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="304" />
        <source>they are not saved yet: press Ctrl+S to keep them</source>
        <translation>它们尚未保存：按 Ctrl+S 保存</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="321" />
        <source>(none yet)</source>
        <translation>（暂无）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="292" />
        <source>Try Again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="294" />
        <source>Reconnect</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/about.py" line="33" />
        <source>About Writer</source>
        <translation>关于 Writer</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/about.py" line="34" />
        <source>Writer — write with a local language model at your side.</source>
        <translation>Writer —— 让本地语言模型陪你写作。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/about.py" line="45" />
        <source>Diagnostics copied to the clipboard</source>
        <translation>诊断信息已复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="194" />
        <source>Save the changes to {name}?</source>
        <translation>保存对 {name} 的更改吗？</translation>
    </message>
</context>
<context>
    <name>MarkdownHighlighting</name>
    <message>
        <location filename="../../writer_app/ui/markdown_layer.py" line="126" />
        <source>&amp;Markdown Highlighting</source>
        <translation>Markdown 高亮(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/markdown_layer.py" line="128" />
        <source>Show the headings, emphasis and code of Markdown files as they will look</source>
        <translation>按最终效果显示 Markdown 文件的标题、强调和代码</translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <location filename="../../writer_app/ui/feedback.py" line="85" />
        <source>Details…</source>
        <translation>详细信息…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/feedback.py" line="90" />
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/feedback.py" line="179" />
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
</context>
<context>
    <name>ModelController</name>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="135" />
        <source>Connecting to {server}…</source>
        <translation>正在连接 {server}…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="137" />
        <source>Loading {spec} again: its process stopped…</source>
        <translation>正在重新加载 {spec}：其进程已停止…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="193" />
        <source>Could not connect to {server}: {reason}</source>
        <translation>无法连接到 {server}：{reason}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="217" />
        <source>{stage} (loading again: its process stopped)</source>
        <translation>{stage}（重新加载：其进程已停止）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="276" />
        <source>Open Model Folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="281" />
        <source>Open GGUF File</source>
        <translation>打开 GGUF 文件</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="282" />
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="288" />
        <source>Load from Hub</source>
        <translation>从 Hub 加载</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="289" />
        <source>Hugging Face Hub id (e.g. Qwen/Qwen2.5-0.5B):</source>
        <translation>Hugging Face Hub 标识（例如 Qwen/Qwen2.5-0.5B）：</translation>
    </message>
</context>
<context>
    <name>ModelDialog</name>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="56" />
        <source>Choose Model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="73" />
        <source>Open Folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="76" />
        <source>Open GGUF File…</source>
        <translation>打开 GGUF 文件…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="79" />
        <source>Hub ID…</source>
        <translation>Hub ID…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="98" />
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="99" />
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="100" />
        <source>Precision:</source>
        <translation>精度：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="103" />
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="112" />
        <source>Models on this computer:</source>
        <translation>这台电脑上的模型：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_dialog.py" line="124" />
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
</context>
<context>
    <name>NextTokensPane</name>
    <message>
        <location filename="../../writer_app/ui/token_pane.py" line="114" />
        <source>Load a model to see the next tokens.</source>
        <translation>加载模型后即可查看下一个词元。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/token_pane.py" line="121" />
        <source>Token</source>
        <translation>词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/token_pane.py" line="121" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/token_pane.py" line="121" />
        <location filename="../../writer_app/ui/token_pane.py" line="203" />
        <source>Sampled</source>
        <translation>采样后</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/token_pane.py" line="126" />
        <source>Its chance under the current sampling settings; — means top-k or top-p cut it.</source>
        <translation>在当前采样设置下被选中的概率；— 表示被 top-k 或 top-p 截去。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/token_pane.py" line="206" />
        <source>≈ An estimate: the server sent only its top tokens, and the rest of the vocabulary could change these figures.</source>
        <translation>≈ 估计值：服务器只发送了概率最高的几个词元，词表中其余的词元可能会改变这些数字。</translation>
    </message>
</context>
<context>
    <name>PersonalDictionaryDialog</name>
    <message>
        <location filename="../../writer_app/ui/personal_dictionary_dialog.py" line="37" />
        <source>Personal Dictionary</source>
        <translation>个人词典</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/personal_dictionary_dialog.py" line="41" />
        <source>Words you added with “Add to Dictionary”. They are kept in {0}.</source>
        <translation>你通过“添加到词典”加入的单词，保存在 {0}。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/personal_dictionary_dialog.py" line="44" />
        <source>Remove</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>Preferences</name>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="108" />
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="110" />
        <source>As the &amp;System</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="110" />
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="111" />
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="123" />
        <source>&amp;Bigger Text</source>
        <translation>放大文字(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="126" />
        <source>&amp;Smaller Text</source>
        <translation>缩小文字(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="129" />
        <source>&amp;Normal Text Size</source>
        <translation>默认文字大小(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="189" />
        <source>P&amp;resets</source>
        <translation>预设(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="190" />
        <source>&amp;Save Current Settings as Preset…</source>
        <translation>将当前设置保存为预设(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="191" />
        <source>&amp;Rename Preset…</source>
        <translation>重命名预设(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="192" />
        <source>&amp;Delete Preset…</source>
        <translation>删除预设(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="193" />
        <source>&amp;Import Presets…</source>
        <translation>导入预设(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="194" />
        <source>&amp;Export Presets…</source>
        <translation>导出预设(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="213" />
        <source>Save Preset</source>
        <translation>保存预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="214" />
        <source>Name of the new preset:</source>
        <translation>新预设的名称：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="218" />
        <source>Could not save the preset</source>
        <translation>无法保存预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="224" />
        <location filename="../../writer_app/ui/preferences.py" line="239" />
        <source>There are no presets of yours yet</source>
        <translation>你还没有自己的预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="226" />
        <location filename="../../writer_app/ui/preferences.py" line="230" />
        <source>Rename Preset</source>
        <translation>重命名预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="227" />
        <location filename="../../writer_app/ui/preferences.py" line="242" />
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="231" />
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="233" />
        <source>Could not rename the preset</source>
        <translation>无法重命名预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="241" />
        <source>Delete Preset</source>
        <translation>删除预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="244" />
        <source>Could not delete the preset</source>
        <translation>无法删除预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="249" />
        <source>Import Presets</source>
        <translation>导入预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="250" />
        <location filename="../../writer_app/ui/preferences.py" line="260" />
        <source>Presets (*.json)</source>
        <translation>预设 (*.json)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="253" />
        <source>Could not import presets</source>
        <translation>无法导入预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="258" />
        <source>Export Presets</source>
        <translation>导出预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="263" />
        <source>Could not export presets</source>
        <translation>无法导出预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="270" />
        <source>Reopen with &amp;Encoding</source>
        <translation>以其他编码重新打开(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="137" />
        <source>Save the document first</source>
        <translation>请先保存文档</translation>
    </message>
</context>
<context>
    <name>ProbabilityController</name>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="60" />
        <source>Colour by &amp;Probability</source>
        <translation>按概率着色(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="62" />
        <source>Tint generated text by how likely the model found each token</source>
        <translation>按模型认为每个词元的可能性为生成的文字着色</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="65" />
        <source>P&amp;revious Version</source>
        <translation>上一个版本(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="69" />
        <source>&amp;Next Version</source>
        <translation>下一个版本(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="73" />
        <source>Show another version of the generated passage at the cursor; every continuation, retry and pick is kept</source>
        <translation>显示光标处生成段落的另一个版本；每次续写、重试和选择都会保留</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="195" />
        <source>This passage has only one version</source>
        <translation>这个段落只有一个版本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="269" />
        <source>&lt;b&gt;{0:.1%}&lt;/b&gt; likely</source>
        <translation>可能性 &lt;b&gt;{0:.1%}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="281" />
        <source>No alternatives from this engine</source>
        <translation>此引擎不提供候选词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="290" />
        <source>Replace and regenerate from here</source>
        <translation>替换并从这里重新生成</translation>
    </message>
</context>
<context>
    <name>ProjectPanel</name>
    <message>
        <location filename="../../writer_app/ui/project_panel.py" line="107" />
        <location filename="../../writer_app/ui/project_panel.py" line="143" />
        <source>Project</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/project_panel.py" line="131" />
        <source>Project: {name}</source>
        <translation>项目：{name}</translation>
    </message>
</context>
<context>
    <name>SamplingPanel</name>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="225" />
        <source>Fixed seed</source>
        <translation>固定种子</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="317" />
        <source>Presets…</source>
        <translation>预设…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="271" />
        <source>Put the sliders at a tried combination of settings.</source>
        <translation>将滑块设为一组经过验证的设置。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="273" />
        <source>Defaults</source>
        <translation>默认值</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="274" />
        <source>Put every sampling setting back to its default.</source>
        <translation>将所有采样设置恢复为默认值。</translation>
    </message>
</context>
<context>
    <name>ServerController</name>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="106" />
        <source>The key is kept only until Writer closes</source>
        <translation>密钥只保留到 Writer 关闭为止</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="134" />
        <source>Connect to Server…</source>
        <translation>连接到服务器…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="157" />
        <source>Last time you wrote with the server {server}</source>
        <translation>上次你使用服务器 {server} 写作</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="158" />
        <source>reconnect to it, or use the model on this computer</source>
        <translation>可以重新连接它，或使用本机上的模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="159" />
        <source>Reconnect</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="160" />
        <source>Use Local Model</source>
        <translation>使用本机模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="180" />
        <source>No recent servers</source>
        <translation>没有最近使用的服务器</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/servers.py" line="190" />
        <source>Clear Recent Servers</source>
        <translation>清除最近的服务器</translation>
    </message>
</context>
<context>
    <name>ServerDialog</name>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="59" />
        <source>Connect to Server</source>
        <translation>连接到服务器</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="70" />
        <source>The address of an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, LM Studio, …), e.g. http://127.0.0.1:8080/v1</source>
        <translation>兼容 OpenAI 接口的服务器地址（vLLM、llama.cpp 服务器、Ollama、LM Studio 等），例如 http://127.0.0.1:8080/v1</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="86" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="87" />
        <source>The server's API key, if it asks for one</source>
        <translation>服务器的 API 密钥（如果它需要）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="88" />
        <source>Remember in the system keyring</source>
        <translation>保存在系统密钥环中</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="97" />
        <source>No system keyring is available here: the key is kept only until Writer closes.</source>
        <translation>此处没有可用的系统密钥环：密钥只保留到 Writer 关闭为止。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="107" />
        <source>the server's own choice</source>
        <translation>由服务器决定</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="108" />
        <source>The model to write with, as the server names it; Test lists them</source>
        <translation>用来写作的模型（使用服务器给出的名称）；“测试”会列出它们</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="113" />
        <source>&amp;Test</source>
        <translation>测试(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="115" />
        <source>Ask the server whether it answers, and which models it serves</source>
        <translation>询问服务器是否响应，以及它提供哪些模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="128" />
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="130" />
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="133" />
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="136" />
        <source>Connect</source>
        <translation>连接</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="181" />
        <source>Writer will use {url}</source>
        <translation>Writer 将使用 {url}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="190" />
        <source>This is plain http to another computer: your text and the key cross the network unencrypted. Use https:// unless you trust every network in between.</source>
        <translation>这是连接到另一台计算机的明文 http：你的文本和密钥将以未加密的方式在网络上传输。除非你信任途经的每个网络，否则请使用 https://。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="207" />
        <source>Asking {server}…</source>
        <translation>正在询问 {server}…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="227" />
        <source>{server} at {address}</source>
        <translation>{address} 上的 {server}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="231" />
        <source>1 model</source>
        <translation>1 个模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="232" />
        <source>{count} models</source>
        <translation>{count} 个模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="233" />
        <source>{who} answered in {ms} ms, {models}</source>
        <translation>{who} 在 {ms} 毫秒内响应，{models}</translation>
    </message>
</context>
<context>
    <name>SpellController</name>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="118" />
        <source>Spelling: {0}</source>
        <translation>拼写检查：{0}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="187" />
        <source>Could not save the personal dictionary</source>
        <translation>无法保存个人词典</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="238" />
        <source>(No Suggestions)</source>
        <translation>（无建议）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="241" />
        <source>Add to Dictionary</source>
        <translation>添加到词典</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="243" />
        <source>Ignore All</source>
        <translation>全部忽略</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="251" />
        <source>Spelling</source>
        <translation>拼写</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="253" />
        <source>Check Spelling</source>
        <translation>检查拼写</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="255" />
        <source>Underline misspelt words as you type</source>
        <translation>输入时为拼错的单词加下划线</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="260" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="264" />
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="271" />
        <source>Edit Personal Dictionary…</source>
        <translation>编辑个人词典…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="275" />
        <source>Spell checking is not available: the chunspell package is missing</source>
        <translation>拼写检查不可用：缺少 chunspell 软件包</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/spell_check.py" line="276" />
        <source>No spelling dictionary is installed</source>
        <translation>未安装拼写词典</translation>
    </message>
</context>
<context>
    <name>StatusIndicators</name>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="84" />
        <source>What runs the model (Model → Engine)</source>
        <translation>运行模型的引擎（模型 → 引擎）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="109" />
        <source>≈ Counted without the model's own tokenizer: an estimate.</source>
        <translation>≈ 未使用模型自己的分词器计数：这是估计值。</translation>
    </message>
</context>
<context>
    <name>TextLayoutDialog</name>
    <message>
        <location filename="../../writer_app/ui/text_layout.py" line="158" />
        <source>Text Layout</source>
        <translation>文本排版</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/text_layout.py" line="166" />
        <source> em</source>
        <translation> 字宽</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/text_layout.py" line="167" />
        <source>The widest text column; 40 em is about 75 characters of English</source>
        <translation>正文栏的最大宽度；40 字宽约为 40 个汉字或 75 个英文字符</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/text_layout.py" line="176" />
        <source>Keep the line being written in the middle</source>
        <translation>让正在书写的行保持在窗口中间</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/text_layout.py" line="178" />
        <source>Line &amp;width:</source>
        <translation>行宽(&amp;W)：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/text_layout.py" line="179" />
        <source>Line &amp;spacing:</source>
        <translation>行距(&amp;S)：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/text_layout.py" line="180" />
        <source>Typewriter scrolling:</source>
        <translation>打字机滚动：</translation>
    </message>
</context>
<context>
    <name>VersionList</name>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="362" />
        <source>Every version of the generated passage at the cursor (Alt+Left / Alt+Right step through them)</source>
        <translation>光标处生成段落的所有版本（Alt+Left / Alt+Right 逐个切换）</translation>
    </message>
</context>
<context>
    <name>settings</name>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Higher is more surprising, lower more predictable; 0 always picks the likeliest token.</source>
        <translation>越高越出人意料，越低越可预测；0 总是选择最可能的词元。</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Sample only from this many of the likeliest tokens; 0 turns the limit off.</source>
        <translation>只从这么多个最可能的词元中采样；0 表示不限制。</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Sample only from the likeliest tokens that together hold this much probability.</source>
        <translation>只从合计占这么多概率的最可能词元中采样。</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Makes tokens already in the text less likely; 1.0 means no penalty.</source>
        <translation>降低文中已出现词元的概率；1.0 表示不惩罚。</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最多新词元</translation>
    </message>
    <message>
        <source>The longest continuation one request may write.</source>
        <translation>一次请求最多可以续写的长度。</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>A fixed seed makes the same settings write the same text; empty means random.</source>
        <translation>固定种子让相同设置写出相同的文字；留空表示随机。</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>Sample draws at random, greedy takes the likeliest token, beam searches for the likeliest passage.</source>
        <translation>采样随机抽取，贪心选择最可能的词元，束搜索寻找最可能的段落。</translation>
    </message>
    <message>
        <source>Beams</source>
        <translation>束数</translation>
    </message>
    <message>
        <source>How many candidate passages beam search keeps at each step.</source>
        <translation>束搜索每一步保留的候选段落数。</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>Greedy</source>
        <translation>贪心</translation>
    </message>
    <message>
        <source>Beam search</source>
        <translation>束搜索</translation>
    </message>
    <message>
        <source>Precise</source>
        <translation>精确</translation>
    </message>
    <message>
        <source>Balanced</source>
        <translation>平衡</translation>
    </message>
    <message>
        <source>Creative</source>
        <translation>创意</translation>
    </message>
    <message>
        <source>Allow control tokens</source>
        <translation>允许控制标记</translation>
    </message>
    <message>
        <source>Let the model write control tokens that are not text, such as &lt;start_of_image&gt;; the end of text still ends a passage.</source>
        <translation>允许模型写出不是文本的控制标记，例如 &lt;start_of_image&gt;；文本结束标记仍会结束一段续写。</translation>
    </message>
</context>
</TS>