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
        <location filename="../../writer_app/ui/completion.py" line="148" />
        <source>Suggestions need a cursor, not a selection</source>
        <translation>建议需要光标位置，而不是选中的文字</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="167" />
        <source>No suggestion: {0}</source>
        <translation>没有建议：{0}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/completion.py" line="182" />
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
        <location filename="../../writer_app/ui/alternatives.py" line="91" />
        <source>Sampling three continuations…</source>
        <translation>正在采样三个续写…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="100" />
        <source>Continue ×3 failed: {0}</source>
        <translation>续写 ×3 失败：{0}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/alternatives.py" line="116" />
        <source>The text changed; ask again</source>
        <translation>文字已更改；请重新请求</translation>
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
    <name>FileController</name>
    <message>
        <location filename="../../writer_app/ui/files.py" line="126" />
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="127" />
        <location filename="../../writer_app/ui/files.py" line="150" />
        <source>Text files (*.txt *.md);;All files (*)</source>
        <translation>文本文件 (*.txt *.md);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="149" />
        <source>Save As</source>
        <translation>另存为</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="162" />
        <source>Not saved: {name} was left as the other program wrote it</source>
        <translation>未保存：{name} 保持为另一个程序写入的内容</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="181" />
        <source>{name} was changed by another program since Writer read it. Overwrite it with your text?</source>
        <translation>自 Writer 读取以来，{name} 已被另一个程序修改。要用你的文本覆盖它吗？</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="210" />
        <source>{name} was deleted or moved by another program</source>
        <translation>{name} 已被另一个程序删除或移动</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="212" />
        <source>your text is still here, unsaved: save it to write the file again</source>
        <translation>你的文本仍在这里，尚未保存：保存即可重新写入该文件</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="220" />
        <source>Reloaded {name}: another program changed it</source>
        <translation>已重新载入 {name}：另一个程序修改了它</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="228" />
        <source>{name} was changed by another program</source>
        <translation>{name} 已被另一个程序修改</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="229" />
        <source>your unsaved changes are still here</source>
        <translation>你未保存的修改仍在这里</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="230" />
        <source>Reload</source>
        <translation>重新载入</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="231" />
        <source>Keep mine</source>
        <translation>保留我的</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="232" />
        <source>Compare…</source>
        <translation>比较…</translation>
    </message>
</context>
<context>
    <name>GenerationController</name>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="133" />
        <source>Waiting for the model to load…</source>
        <translation>正在等待模型加载…</translation>
    </message>
</context>
<context>
    <name>HotExit</name>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="146" />
        <source>just now</source>
        <translation>刚才</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="148" />
        <source>{count} minutes ago</source>
        <translation>{count} 分钟前</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="151" />
        <source>{count} hours ago</source>
        <translation>{count} 小时前</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/hot_exit.py" line="153" />
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
        <location filename="../../writer_app/ui/main_window.py" line="119" />
        <source>Next tokens</source>
        <translation>下一个词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="123" />
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="68" />
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="69" />
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="70" />
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="71" />
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="72" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="74" />
        <source>&amp;Continue</source>
        <translation>续写(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="75" />
        <source>Let the model continue the text before the cursor (Ctrl+Enter)</source>
        <translation>让模型续写光标前的文字（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="78" />
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="79" />
        <source>Stop the generation (Esc)</source>
        <translation>停止生成（Esc）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="81" />
        <source>&amp;Retry</source>
        <translation>重试(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="82" />
        <source>Replace the last generation with a new sample (Ctrl+R)</source>
        <translation>用新的采样替换上一次生成（Ctrl+R）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="85" />
        <source>&amp;Choose Model…</source>
        <translation>选择模型(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="86" />
        <source>Choose the model, device and precision</source>
        <translation>选择模型、设备和精度</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="87" />
        <source>&amp;Default Model</source>
        <translation>默认模型(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="89" />
        <source>Open Model &amp;Folder…</source>
        <translation>打开模型文件夹(&amp;F)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="90" />
        <source>Open &amp;GGUF File…</source>
        <translation>打开 GGUF 文件(&amp;G)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="91" />
        <source>Load from &amp;Hub…</source>
        <translation>从 Hub 加载(&amp;H)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="92" />
        <source>C&amp;ancel Loading</source>
        <translation>取消加载(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="94" />
        <source>Connect to &amp;Server…</source>
        <translation>连接到服务器(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="96" />
        <source>Write with a model on an OpenAI-compatible server (vLLM, llama.cpp, Ollama, …)</source>
        <translation>使用兼容 OpenAI 接口的服务器（vLLM、llama.cpp、Ollama 等）上的模型写作</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="98" />
        <source>Insert Candidate {n}</source>
        <translation>插入候选词 {n}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="103" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="105" />
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="112" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="113" />
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="114" />
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="120" />
        <source>Insert &amp;Candidate</source>
        <translation>插入候选词(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="126" />
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="132" />
        <source>Recent Ser&amp;vers</source>
        <translation>最近的服务器(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="140" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="152" />
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="149" />
        <source>&amp;Instructions / Memory</source>
        <translation>指示 / 记忆(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="155" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="156" />
        <source>&amp;About Writer</source>
        <translation>关于 Writer(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="157" />
        <source>&amp;Copy Diagnostics</source>
        <translation>复制诊断信息(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/menus.py" line="159" />
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
        <location filename="../../writer_app/ui/status_bar.py" line="102" />
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
        <location filename="../../writer_app/ui/status_bar.py" line="88" />
        <source>Precision: {precision}</source>
        <translation>精度：{precision}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/model_control.py" line="161" />
        <source>{name} is ready</source>
        <translation>{name} 已就绪</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="153" />
        <source>Generation failed: {reason}</source>
        <translation>生成失败：{reason}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="171" />
        <source>Token {n}: drew “{token}” ({percent}% under the settings)</source>
        <translation>第 {n} 个词元：抽中“{token}”（当前设置下 {percent}%）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="176" />
        <source>Token {n}: drew a token outside the top list</source>
        <translation>第 {n} 个词元：抽中列表之外的词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="93" />
        <source>{rate} tokens/s</source>
        <translation>{rate} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="187" />
        <source>, seed {seed}</source>
        <translation>，种子 {seed}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="190" />
        <source>{tokens} tokens at {rate}/s — {reason}</source>
        <translation>{tokens} 个词元，{rate}/秒 — {reason}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="195" />
        <source>the model ended the text</source>
        <translation>模型结束了文本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="196" />
        <source>reached the length limit</source>
        <translation>达到长度上限</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="197" />
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/generation.py" line="198" />
        <source>the context window is full</source>
        <translation>上下文窗口已满</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="99" />
        <source>Context {used} / {window}</source>
        <translation>上下文 {used} / {window}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/status_bar.py" line="103" />
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
        <location filename="../../writer_app/ui/files.py" line="106" />
        <source>Opened {name}</source>
        <translation>已打开 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="110" />
        <source>{name} will be created when you save</source>
        <translation>保存时将创建 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="174" />
        <source>Saved {name}</source>
        <translation>已保存 {name}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="192" />
        <location filename="../../writer_app/ui/files.py" line="297" />
        <location filename="../../writer_app/ui/main_window.py" line="284" />
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="299" />
        <source>Restored unsaved changes to {name} from {when}</source>
        <translation>已恢复 {name} 中 {when} 未保存的更改</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="301" />
        <source>they are not saved yet: press Ctrl+S to keep them</source>
        <translation>它们尚未保存：按 Ctrl+S 保存</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="318" />
        <source>(none yet)</source>
        <translation>（暂无）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="242" />
        <source>Try Again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="244" />
        <source>Reconnect</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="369" />
        <source>About Writer</source>
        <translation>关于 Writer</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="370" />
        <source>Writer — write with a local language model at your side.</source>
        <translation>Writer —— 让本地语言模型陪你写作。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/main_window.py" line="379" />
        <source>Diagnostics copied to the clipboard</source>
        <translation>诊断信息已复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="191" />
        <source>Save the changes to {name}?</source>
        <translation>保存对 {name} 的更改吗？</translation>
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
    <name>Preferences</name>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="93" />
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="95" />
        <source>As the &amp;System</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="95" />
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="96" />
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="108" />
        <source>&amp;Bigger Text</source>
        <translation>放大文字(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="111" />
        <source>&amp;Smaller Text</source>
        <translation>缩小文字(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="114" />
        <source>&amp;Normal Text Size</source>
        <translation>默认文字大小(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="132" />
        <source>P&amp;resets</source>
        <translation>预设(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="133" />
        <source>&amp;Save Current Settings as Preset…</source>
        <translation>将当前设置保存为预设(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="134" />
        <source>&amp;Rename Preset…</source>
        <translation>重命名预设(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="135" />
        <source>&amp;Delete Preset…</source>
        <translation>删除预设(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="136" />
        <source>&amp;Import Presets…</source>
        <translation>导入预设(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="137" />
        <source>&amp;Export Presets…</source>
        <translation>导出预设(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="156" />
        <source>Save Preset</source>
        <translation>保存预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="157" />
        <source>Name of the new preset:</source>
        <translation>新预设的名称：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="161" />
        <source>Could not save the preset</source>
        <translation>无法保存预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="167" />
        <location filename="../../writer_app/ui/preferences.py" line="182" />
        <source>There are no presets of yours yet</source>
        <translation>你还没有自己的预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="169" />
        <location filename="../../writer_app/ui/preferences.py" line="173" />
        <source>Rename Preset</source>
        <translation>重命名预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="170" />
        <location filename="../../writer_app/ui/preferences.py" line="185" />
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="174" />
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="176" />
        <source>Could not rename the preset</source>
        <translation>无法重命名预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="184" />
        <source>Delete Preset</source>
        <translation>删除预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="187" />
        <source>Could not delete the preset</source>
        <translation>无法删除预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="192" />
        <source>Import Presets</source>
        <translation>导入预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="193" />
        <location filename="../../writer_app/ui/preferences.py" line="203" />
        <source>Presets (*.json)</source>
        <translation>预设 (*.json)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="196" />
        <source>Could not import presets</source>
        <translation>无法导入预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="201" />
        <source>Export Presets</source>
        <translation>导出预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="206" />
        <source>Could not export presets</source>
        <translation>无法导出预设</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/preferences.py" line="213" />
        <source>Reopen with &amp;Encoding</source>
        <translation>以其他编码重新打开(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/files.py" line="134" />
        <source>Save the document first</source>
        <translation>请先保存文档</translation>
    </message>
</context>
<context>
    <name>ProbabilityController</name>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="88" />
        <source>Colour by &amp;Probability</source>
        <translation>按概率着色(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="90" />
        <source>Tint generated text by how likely the model found each token</source>
        <translation>按模型认为每个词元的可能性为生成的文字着色</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="92" />
        <source>P&amp;revious Version</source>
        <translation>上一个版本(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="95" />
        <source>&amp;Next Version</source>
        <translation>下一个版本(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="99" />
        <source>Show another version of the generated passage at the cursor; every continuation, retry and pick is kept</source>
        <translation>显示光标处生成段落的另一个版本；每次续写、重试和选择都会保留</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="172" />
        <source>This passage has only one version</source>
        <translation>这个段落只有一个版本</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="241" />
        <source>&lt;b&gt;{0:.1%}&lt;/b&gt; likely</source>
        <translation>可能性 &lt;b&gt;{0:.1%}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="253" />
        <source>No alternatives from this engine</source>
        <translation>此引擎不提供候选词元</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="262" />
        <source>Replace and regenerate from here</source>
        <translation>替换并从这里重新生成</translation>
    </message>
</context>
<context>
    <name>SamplingPanel</name>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="224" />
        <source>Fixed seed</source>
        <translation>固定种子</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="316" />
        <source>Presets…</source>
        <translation>预设…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="270" />
        <source>Put the sliders at a tried combination of settings.</source>
        <translation>将滑块设为一组经过验证的设置。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="272" />
        <source>Defaults</source>
        <translation>默认值</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/sampling_panel.py" line="273" />
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
        <location filename="../../writer_app/ui/server_dialog.py" line="58" />
        <source>Connect to Server</source>
        <translation>连接到服务器</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="69" />
        <source>The address of an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, LM Studio, …), e.g. http://127.0.0.1:8080/v1</source>
        <translation>兼容 OpenAI 接口的服务器地址（vLLM、llama.cpp 服务器、Ollama、LM Studio 等），例如 http://127.0.0.1:8080/v1</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="85" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="86" />
        <source>The server's API key, if it asks for one</source>
        <translation>服务器的 API 密钥（如果它需要）</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="87" />
        <source>Remember in the system keyring</source>
        <translation>保存在系统密钥环中</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="96" />
        <source>No system keyring is available here: the key is kept only until Writer closes.</source>
        <translation>此处没有可用的系统密钥环：密钥只保留到 Writer 关闭为止。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="106" />
        <source>the server's own choice</source>
        <translation>由服务器决定</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="107" />
        <source>The model to write with, as the server names it; Test lists them</source>
        <translation>用来写作的模型（使用服务器给出的名称）；“测试”会列出它们</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="112" />
        <source>&amp;Test</source>
        <translation>测试(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="114" />
        <source>Ask the server whether it answers, and which models it serves</source>
        <translation>询问服务器是否响应，以及它提供哪些模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="127" />
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
        <location filename="../../writer_app/ui/server_dialog.py" line="178" />
        <source>Writer will use {url}</source>
        <translation>Writer 将使用 {url}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="187" />
        <source>This is plain http to another computer: your text and the key cross the network unencrypted. Use https:// unless you trust every network in between.</source>
        <translation>这是连接到另一台计算机的明文 http：你的文本和密钥将以未加密的方式在网络上传输。除非你信任途经的每个网络，否则请使用 https://。</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="204" />
        <source>Asking {server}…</source>
        <translation>正在询问 {server}…</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="224" />
        <source>{server} at {address}</source>
        <translation>{address} 上的 {server}</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="228" />
        <source>1 model</source>
        <translation>1 个模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="229" />
        <source>{count} models</source>
        <translation>{count} 个模型</translation>
    </message>
    <message>
        <location filename="../../writer_app/ui/server_dialog.py" line="230" />
        <source>{who} answered in {ms} ms, {models}</source>
        <translation>{who} 在 {ms} 毫秒内响应，{models}</translation>
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
        <location filename="../../writer_app/ui/status_bar.py" line="106" />
        <source>≈ Counted without the model's own tokenizer: an estimate.</source>
        <translation>≈ 未使用模型自己的分词器计数：这是估计值。</translation>
    </message>
</context>
<context>
    <name>VersionList</name>
    <message>
        <location filename="../../writer_app/ui/probabilities.py" line="333" />
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